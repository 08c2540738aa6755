"""The inspection report (检验报告) of one inspection lot, as a PDF for the file, the
auditor or the customer: what was inspected, by which plan, every sample as recorded, and
the verdict. Drawn from the lot's state when asked for; an open lot prints as a draft."""

from tracemes.domain.characteristics import Kind
from tracemes.exports import pdf
from tracemes.services.inspection import InspectionLot

STAGES = {
    "incoming": "来料检验 Incoming (IQC)",
    "in_process": "过程检验 In-process (IPQC)",
    "final": "最终检验 Final (FQC)",
}
CLASSES = {"critical": "致命 Critical", "major": "严重 Major", "minor": "轻微 Minor"}


def inspection_report(lot: InspectionLot, printed: str) -> bytes:
    """The report as A4 PDF bytes; `printed` says when it was printed."""
    found = lot.counts
    return pdf.render(
        "inspection_report.html",
        lot=lot,
        stage=STAGES[lot.plan.stage.value],
        classes=CLASSES,
        found=found,
        variables=[c for c in lot.plan.characteristics if c.kind is Kind.VARIABLE],
        printed=printed,
    )
