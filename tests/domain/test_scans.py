import re
from datetime import date
from decimal import Decimal

import pytest

from tracemes.domain import serials
from tracemes.domain.errors import InvalidInputError
from tracemes.domain.gs1 import check_digit
from tracemes.domain.scans import GROUP_SEPARATOR, Scan, ScanKind, match_serial, parse

GS = GROUP_SEPARATOR


def a_gtin(body: str = "0697012345001") -> str:
    """A GTIN-14 with its right check digit (697: a GS1 China company)."""
    return body + str(check_digit(body))


def a_wrong_gtin(body: str = "0697012345001") -> str:
    """The same GTIN with a check digit one off."""
    return body + str((check_digit(body) + 1) % 10)


GTIN = a_gtin()
BAD_GTIN = a_wrong_gtin()


def test_a_bracketed_supplier_label_gives_gtin_lot_and_expiry() -> None:
    raw = f"(01){GTIN}(10)L2026-07(17)271231"

    assert parse(raw) == Scan(
        raw=raw, gtin=GTIN, lot="L2026-07", expires_on=date(2027, 12, 31), kind=ScanKind.GS1
    )


def test_a_gs1_128_scan_with_symbology_prefix_and_group_separators_is_read() -> None:
    raw = f"]C101{GTIN}10L2026-07{GS}17271231"

    scan = parse(raw)

    assert (scan.kind, scan.gtin, scan.lot, scan.expires_on) == (
        ScanKind.GS1,
        GTIN,
        "L2026-07",
        date(2027, 12, 31),
    )
    assert scan.raw == raw


def test_a_label_with_the_lot_last_needs_no_separator_or_prefix() -> None:
    scan = parse(f"01{GTIN}1727123110LOT1")

    assert (scan.kind, scan.gtin, scan.lot, scan.expires_on) == (
        ScanKind.GS1,
        GTIN,
        "LOT1",
        date(2027, 12, 31),
    )


def test_a_serialised_part_label_in_gs1_datamatrix_gives_gtin_and_serial() -> None:
    scan = parse(f"]d201{GTIN}21EB26111600012{GS}10CELL-LOT-7")

    assert (scan.gtin, scan.serial, scan.lot) == (GTIN, "EB26111600012", "CELL-LOT-7")


def test_a_gs1_qr_code_is_read_like_a_gs1_128_label() -> None:
    assert parse(f"]Q301{GTIN}10LOT1").lot == "LOT1"


def test_an_expiry_day_of_00_means_the_last_day_of_the_month() -> None:
    assert parse(f"(01){GTIN}(17)270200(10)L1").expires_on == date(2027, 2, 28)


def test_a_variable_count_is_the_quantity() -> None:
    assert parse(f"(01){GTIN}(30)25(10)L1").quantity == Decimal(25)


def test_a_carton_label_counts_its_contents_and_names_their_gtin() -> None:
    scan = parse(f"(02){GTIN}(37)12(10)CELL-LOT-7")

    assert (scan.gtin, scan.quantity, scan.lot) == (GTIN, Decimal(12), "CELL-LOT-7")


def test_a_trailing_newline_and_spaces_are_dropped() -> None:
    raw = f"  (01){GTIN}(21)EB26111600012\r\n"

    scan = parse(raw)

    assert scan.raw == f"(01){GTIN}(21)EB26111600012"
    assert scan.serial == "EB26111600012"


def test_a_trailing_group_separator_is_dropped() -> None:
    assert parse(f"01{GTIN}10LOT1{GS}\n").lot == "LOT1"


def test_a_digital_link_gives_gtin_and_serial_from_its_path() -> None:
    raw = f"https://id.example.com/01/{GTIN}/21/EB26111600012"

    assert parse(raw) == Scan(
        raw=raw, gtin=GTIN, serial="EB26111600012", kind=ScanKind.DIGITAL_LINK
    )


def test_a_digital_link_query_gives_expiry_and_lot() -> None:
    scan = parse(f"https://id.example.com/01/{GTIN}?17=271231&10=LOT1\n")

    assert (scan.kind, scan.gtin, scan.lot, scan.expires_on) == (
        ScanKind.DIGITAL_LINK,
        GTIN,
        "LOT1",
        date(2027, 12, 31),
    )


def test_a_digital_link_with_a_path_prefix_and_a_short_gtin_gives_fourteen_digits() -> None:
    gtin_13 = GTIN[1:]

    scan = parse(f"https://brand.example.cn/qr/01/{gtin_13}/10/L%2F7")

    assert (scan.gtin, scan.lot) == (GTIN, "L/7")


def test_a_digital_link_in_an_upper_case_plain_qr_code_is_read() -> None:
    raw = f"]Q1HTTPS://ID.EXAMPLE.COM/01/{GTIN}/21/EB26111600012"

    scan = parse(raw)

    assert (scan.kind, scan.serial, scan.raw) == (ScanKind.DIGITAL_LINK, "EB26111600012", raw)


def test_a_gs1_dotcode_is_read_like_a_gs1_128_label() -> None:
    assert parse(f"]J101{GTIN}10LOT1").lot == "LOT1"


def test_an_ean_13_sent_with_its_symbology_identifier_is_a_gtin() -> None:
    assert parse(f"]E0{GTIN[1:]}") == Scan(raw=f"]E0{GTIN[1:]}", gtin=GTIN, kind=ScanKind.GS1)


@pytest.mark.parametrize(
    "text",
    [
        "EB26111600012",
        "eb26111600012",
        "CELL-LOT-7",
        "L2026-07",
        "电芯批次-A7",
        "2026071500012",
        "https://example.com/manual/cell-7",
        "(样品)CELL-7",
    ],
)
def test_serials_lots_and_other_text_stay_plain_exactly_as_typed(text: str) -> None:
    assert parse(f"{text}\r\n") == Scan(raw=text, kind=ScanKind.PLAIN)


def test_a_plain_code_128_loses_only_its_symbology_identifier() -> None:
    assert parse("]C0EB26111600012") == Scan(raw="EB26111600012")


@pytest.mark.parametrize(
    "raw",
    [
        f"(01){BAD_GTIN}(10)L2026-07(17)271231",
        f"]C101{BAD_GTIN}10L2026-07{GS}17271231",
        f"01{BAD_GTIN}21EB26111600012",
        f"https://id.example.com/01/{BAD_GTIN}/21/EB26111600012",
        f"]E0{BAD_GTIN[1:]}",
    ],
)
def test_a_gs1_label_with_a_wrong_gtin_check_digit_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInputError, match=f"GTIN 0?{BAD_GTIN[1:]} has a wrong check digit"):
        parse(raw)
    with pytest.raises(InvalidInputError) as refusal:
        parse(raw)
    assert refusal.value.code == "bad_scan"
    assert refusal.value.field == "scan"


def test_the_refusal_says_which_check_digit_was_expected() -> None:
    with pytest.raises(InvalidInputError, match=f"should end in {GTIN[-1]}"):
        parse(f"(01){BAD_GTIN}(10)L1")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (f"(01){GTIN}(17)270231(10)L1", r"wrong \(17\) field: Expiration date"),
        (f"(01){GTIN}(17)271331", r"wrong \(17\) field"),
        (f"(01){GTIN[1:]}(10)L1", r"wrong \(01\) field: Global Trade Item Number"),
        (f"(01){GTIN}(10)L1(10)L2", r"two different \(10\) values, L1 and L2"),
        (f"(01){GTIN}(10){'X' * 21}", r"wrong \(10\) field: Batch or lot number"),
        (f"CELL{GS}LOT7", "looks like a GS1 label but cannot be read"),
        ("]C1EB26111600012", "looks like a GS1 label but cannot be read"),
        ("]E0EB26111600012", "EB26111600012 is not a GTIN of 8, 12, 13 or 14 digits"),
        (f"https://id.example.com/01/{GTIN}/99/1", "looks like a GS1 Digital Link"),
    ],
)
def test_a_damaged_gs1_label_is_refused_not_taken_as_plain(raw: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason) as refusal:
        parse(raw)
    assert refusal.value.code == "bad_scan"


@pytest.mark.parametrize("raw", ["", "   ", "\r\n", "]C1"])
def test_an_empty_scan_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInputError, match="scan: is empty"):
        parse(raw)


def some_patterns() -> dict[str, re.Pattern[str]]:
    """Serial patterns of three items, as the station would build them."""
    return {
        "EBIKE": serials.regex(serials.parse("EB{yy}{MM}{dd}{seq:5}"), "EBIKE"),
        "CELL": serials.regex(serials.parse(serials.DEFAULT_PATTERN), "CELL"),
        "MOTOR": serials.regex(serials.parse("M{yyyy}{seq:6}"), "MOTOR"),
    }


def test_a_serial_matches_the_item_whose_pattern_made_it() -> None:
    assert match_serial(some_patterns(), "EB26111600012") == ["EBIKE"]
    assert match_serial(some_patterns(), "CELL-261116-0007") == ["CELL"]


def test_a_serial_matching_no_pattern_matches_no_item() -> None:
    assert match_serial(some_patterns(), "CELL-LOT-7") == []


def test_serial_matching_is_case_sensitive_and_whole() -> None:
    assert match_serial(some_patterns(), "eb26111600012") == []
    assert match_serial(some_patterns(), "EB26111600012-X") == []


def test_a_serial_two_patterns_can_make_matches_both_items_in_code_order() -> None:
    pattern = serials.parse("SN{seq:6}")
    patterns = {
        "PUMP": serials.regex(pattern, "PUMP"),
        "FAN": serials.regex(pattern, "FAN"),
        "CELL": serials.regex(serials.parse(serials.DEFAULT_PATTERN), "CELL"),
    }

    assert match_serial(patterns, "SN000123") == ["FAN", "PUMP"]
