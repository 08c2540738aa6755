// The station page keeps working through spotty Wi-Fi: a scan the server cannot be reached
// for is kept in IndexedDB with its event id and sent, in order, when the connection comes
// back. The server books an event id once, so a scan sent twice counts once. Refusals that
// come back late are listed for the operator.
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
const enqueue = (scan) => withStore("readwrite", (store) => store.add(scan));
const dequeue = (seq) => withStore("readwrite", (store) => store.delete(seq));

function post(url, fields) {
  return fetch(url, {
    method: "POST",
    body: new URLSearchParams(fields),
    credentials: "same-origin",
    headers: { Accept: "text/html" },
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

let flushing = false;

async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    let unit = document.querySelector('form.scan-form input[name="unit"]')?.value ?? "";
    let last = null;
    for (const scan of await queued()) {
      let response;
      try {
        response = await post("/station/scan", { code: scan.code, unit, event: scan.event });
      } catch {
        return; // still offline; try again later
      }
      const html = await response.text();
      await dequeue(scan.seq);
      unit = unitOf(html);
      last = html;
      if (response.status >= 400) {
        const page = new DOMParser().parseFromString(html, "text/html");
        const alert = page.querySelector('[role="alert"]');
        late.push(`${scan.code}: ${alert ? alert.textContent.trim().replace(/\s+/g, " ") : response.status}`);
      }
    }
    if (last !== null) show(last);
  } finally {
    flushing = false;
    await showPending();
  }
}

const late = [];

function showLate() {
  const list = document.getElementById("late");
  if (!list) return;
  list.hidden = late.length === 0;
  const items = list.querySelector("ul");
  items.replaceChildren(
    ...late.map((text) => Object.assign(document.createElement("li"), { textContent: text })),
  );
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
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = Object.fromEntries(new FormData(form));
    fields.event = crypto.randomUUID ? crypto.randomUUID() : fields.event + Date.now();
    if ((await queued()).length === 0) {
      try {
        show(await (await post(form.action, fields)).text());
        return;
      } catch {
        // the server cannot be reached: keep the scan
      }
    }
    await enqueue({ code: fields.code, event: fields.event, at: new Date().toISOString() });
    field.value = "";
    field.focus();
    await showPending();
  });
  showPending();
  showLate();
  field?.focus();
}

window.addEventListener("online", flush);
setInterval(async () => {
  if ((await queued()).length > 0) await flush();
}, RETRY_MS);
start();
