// The station page sends every scan, and every Pass / Fail with its measurements, through
// one ordered queue kept in IndexedDB: each entry carries its own event id and is posted in
// the order it was made. Online the queue empties at once; when the server cannot be
// reached entries wait (the page shows how many) and go when the connection is back. The
// server books an event id once, so an entry sent twice counts once. Refusals of entries
// that were not the last one sent are listed, so none goes unseen.
const DB_NAME = "tracemes-station";
const STORE = "scans";
const RETRY_MS = 3000;

function openQueue() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () =>
      request.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, work) {
  const db = await openQueue();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result.result ?? result);
    tx.onerror = () => reject(tx.error);
  });
}

const queued = () => withStore("readonly", (store) => store.getAll());
const enqueue = (entry) => withStore("readwrite", (store) => store.add(entry));
const dequeue = (seq) => withStore("readwrite", (store) => store.delete(seq));

function post(url, entries) {
  // The token of the session signed in now: an entry queued before a new sign-in still goes.
  const token = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
  return fetch(url, {
    method: "POST",
    body: new URLSearchParams(entries),
    credentials: "same-origin",
    headers: { Accept: "text/html", "X-CSRF-Token": token },
  });
}

function show(html) {
  const next = new DOMParser().parseFromString(html, "text/html");
  document.title = next.title;
  document.body.replaceWith(document.adoptNode(next.body));
  start();
}

function unitOf(html) {
  const next = new DOMParser().parseFromString(html, "text/html");
  const field = next.querySelector('form.scan-form input[name="unit"]');
  return field ? field.value : "";
}

async function showPending() {
  const status = document.getElementById("pending");
  if (!status) return;
  const count = (await queued()).length;
  status.hidden = count === 0;
  status.textContent = status.dataset.waiting.replace("%(count)s", String(count));
}

const late = [];
let flushing = false;
let again = false;

async function flush() {
  if (flushing) {
    again = true; // entries added meanwhile go in the next round
    return;
  }
  flushing = true;
  try {
    do {
      again = false;
      let unit = document.querySelector('form.scan-form input[name="unit"]')?.value ?? "";
      let last = null;
      for (const entry of await queued()) {
        // A scan goes to the unit the page is at by then; a Pass / Fail names its unit.
        const isScan = (entry.url ?? "/station/scan") === "/station/scan";
        const entries = entry.entries ?? [["code", entry.code], ["event", entry.event]];
        const sent = isScan ? [...entries.filter(([k]) => k !== "unit"), ["unit", unit]] : entries;
        let response;
        try {
          response = await post(entry.url ?? "/station/scan", sent);
        } catch {
          if (last !== null) show(last);
          return; // offline: the rest waits for the next try
        }
        const html = await response.text();
        await dequeue(entry.seq);
        if (last !== null && last.refused) late.push(last.refused);
        last = { html, refused: response.status >= 400 ? refusal(entry, html) : null };
        unit = unitOf(html);
      }
      if (last !== null) show(last.html);
    } while (again);
  } finally {
    flushing = false;
    await showPending();
  }
}

function refusal(entry, html) {
  const page = new DOMParser().parseFromString(html, "text/html");
  const alert = page.querySelector('[role="alert"]');
  const what = entry.label ?? entry.code;
  return `${what}: ${alert ? alert.textContent.trim().replace(/\s+/g, " ") : "?"}`;
}

function showLate() {
  const list = document.getElementById("late");
  if (!list) return;
  list.hidden = late.length === 0;
  const items = list.querySelector("ul");
  items.replaceChildren(
    ...late.map((text) => Object.assign(document.createElement("li"), { textContent: text })),
  );
}

function newEventId(fallback) {
  return crypto.randomUUID ? crypto.randomUUID() : `${fallback}-${Date.now()}-${Math.random()}`;
}

async function submit(event, form) {
  event.preventDefault();
  // A double tap must not book twice: a Pass / Fail form is spent once sent (the next page
  // brings a new one), and an empty scan sends nothing.
  if (form.classList.contains("scan-form") ? !form.elements.code.value.trim() : form.dataset.sent) {
    return;
  }
  form.dataset.sent = "yes";
  const entries = [...new FormData(form, event.submitter)].map(([key, value]) =>
    key === "event" ? [key, newEventId(value)] : [key, value],
  );
  const code = entries.find(([key]) => key === "code")?.[1];
  const result = entries.find(([key]) => key === "result")?.[1];
  const url = new URL(form.action).pathname;
  await enqueue({ url, entries, label: code ?? result?.toUpperCase(), at: new Date().toISOString() });
  const scan = document.getElementById("scan");
  if (scan) scan.value = "";
  scan?.focus();
  await flush();
}

// Phones: the browser's BarcodeDetector reads QR and Code 128 from the camera where the
// platform has it; elsewhere the button stays hidden and typed or wedge input is the way.
async function scanWithCamera(form, field, video) {
  const detector = new window.BarcodeDetector({ formats: ["qr_code", "code_128", "data_matrix"] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  try {
    for (;;) {
      const found = await detector.detect(video);
      if (found.length > 0) {
        field.value = found[0].rawValue;
        form.requestSubmit();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    stream.getTracks().forEach((track) => track.stop());
    video.hidden = true;
  }
}

function start() {
  const form = document.querySelector("form.scan-form");
  if (!form || !("indexedDB" in window)) return;
  const field = form.querySelector('input[name="code"]');
  const camera = document.getElementById("camera");
  if (camera && "BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia) {
    camera.hidden = false;
    camera.addEventListener("click", () =>
      scanWithCamera(form, field, document.getElementById("camera-view")).catch(() => {
        camera.hidden = true; // no camera, or permission refused: typing still works
      }),
    );
  }
  for (const queuedForm of document.querySelectorAll("form[data-queue]")) {
    queuedForm.addEventListener("submit", (event) => submit(event, queuedForm));
  }
  // Enter in the defect codes means Fail (the form's default button is Pass).
  const defects = document.getElementById("defects");
  defects?.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    defects.form.requestSubmit(defects.form.querySelector('button[value="fail"]'));
  });
  showPending();
  showLate();
  (document.querySelector("main [autofocus]") ?? field)?.focus();
}

window.addEventListener("online", flush);
setInterval(async () => {
  if ((await queued()).length > 0) await flush();
}, RETRY_MS);
start();
