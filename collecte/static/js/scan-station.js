// The scan station: choose the action once, then scan device after device (keyboard scanner,
// camera). Every scan is put in an IndexedDB queue first, then sent in order; offline scans
// stay queued and are sent when the network is back (same client_event_id: idempotent).

import { readScan, printed, US_ON_AZERTY } from "./scanner.js";
import * as queue from "./scan-queue.js";
import { startCamera, stopCamera } from "./camera-scan.js";

const form = document.getElementById("scan-form");
const messages = JSON.parse(document.getElementById("scan-messages").textContent);
const T = messages.text;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const codeInput = form.elements.code;
const actionSelect = form.elements.action;
const feedbackBox = document.getElementById("scan-feedback");
const logBody = document.getElementById("scan-log");
const syncStatus = document.getElementById("sync-status");
let layout = sessionStorage.getItem("collecte.scanner-layout");
let seq = Date.now() * 1000;

const fill = (template, values) =>
  template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
const stageLabel = (stage) => messages.stages[stage] ?? stage;

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// --- feedback: visible, audible, announced (the box is an aria-live region) ---------------
let audio = null;
function beep(outcome) {
  // Three sounds people can tell apart: done (high), kept for later (double), refused (low).
  const kind = { ok: "ok", already: "already", queued: "queued" }[outcome] ?? "error";
  document.body.dataset.lastBeep = kind;
  try {
    audio ??= new AudioContext();
    const tones = { ok: [[880, 0.12]], already: [[660, 0.12]], queued: [[520, 0.08], [520, 0.08]],
      error: [[220, 0.3], [180, 0.3]] }[kind] ?? [[440, 0.1]];
    let t = audio.currentTime;
    for (const [freq, length] of tones) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = kind === "error" ? "square" : "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.15, t);
      gain.gain.exponentialRampToValueAtTime(0.001, t + length);
      osc.connect(gain).connect(audio.destination);
      osc.start(t); osc.stop(t + length);
      t += length + 0.05;
    }
  } catch { /* no sound available: the text and the live region still say it */ }
}

function feedback(kind, message, links = []) {
  const css = { ok: "ok", already: "ok", queued: "queued" }[kind] ?? "error";
  const mark = { ok: T.done, already: T.done, queued: T.queued_mark }[kind] ?? T.refused;
  feedbackBox.className = `feedback ${css}`;
  const strong = document.createElement("span");
  strong.className = "mark";
  strong.textContent = mark;
  const nodes = [strong, document.createTextNode(message)];
  for (const [label, href] of links) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    nodes.push(document.createTextNode(" "), a);
  }
  feedbackBox.replaceChildren(...nodes);
  beep(kind);
}

function logRow(scan) {
  let row = logBody.querySelector(`tr[data-id="${scan.client_event_id}"]`);
  if (!row) {
    row = document.createElement("tr");
    row.dataset.id = scan.client_event_id;
    const time = new Date(scan.occurred_at).toLocaleTimeString("fr-FR");
    for (const text of [time, scan.printed, messages.actions[scan.action] ?? scan.action, ""]) {
      const td = document.createElement("td");
      td.textContent = text;
      row.append(td);
    }
    row.children[1].className = "code";
    logBody.prepend(row);
  }
  return row;
}

// The session's list survives going to a record page and back (kept for this tab only).
const LOG_KEY = "collecte.scan-log";
const savedLog = () => JSON.parse(sessionStorage.getItem(LOG_KEY) || "[]");

function setOutcome(scan, kind, message, save = true) {
  const cell = logRow(scan).children[3];
  cell.className = `outcome-${{ ok: "ok", already: "ok", queued: "queued" }[kind] ?? "error"}`;
  cell.textContent = message;
  logRow(scan).dataset.outcome = kind;
  if (!save) return;
  const entries = savedLog().filter((e) => e.scan.client_event_id !== scan.client_event_id);
  const { client_event_id, occurred_at, printed: shown, action } = scan;
  entries.unshift({ scan: { client_event_id, occurred_at, printed: shown, action }, kind, message });
  sessionStorage.setItem(LOG_KEY, JSON.stringify(entries.slice(0, 100)));
}

for (const entry of savedLog().reverse()) setOutcome(entry.scan, entry.kind, entry.message, false);

// --- sending ------------------------------------------------------------------------------
function payload(scan) {
  if (scan.action === "transfer") {
    return [form.dataset.transferUrl, { code: scan.code, site_id: scan.site_id,
      client_event_id: scan.client_event_id, occurred_at: scan.occurred_at }];
  }
  const body = { code: scan.code, to: scan.action, client_event_id: scan.client_event_id,
    occurred_at: scan.occurred_at };
  if (scan.note) body.note = scan.note;
  return [form.dataset.scansUrl, body];
}

function recordLinks(code) {
  const base = `${form.dataset.recordsUrl}${code}/`;
  const next = `?next=${encodeURIComponent(window.location.pathname)}`;
  return Object.entries(T.records).map(([path, label]) => [label, `${base}${path}${next}`]);
}

// One scan over HTTP; returns [kind, message, links], or null when the network is down.
async function send(scan) {
  const [url, body] = payload(scan);
  let response;
  try {
    response = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json",
        "X-CSRFToken": csrf }, body: JSON.stringify(body) });
  } catch {
    return null;
  }
  if (response.status >= 500 || response.status === 429) return null;
  const data = await response.json().catch(() => ({}));
  // Logged out, or a stale CSRF token: keep the scan queued and ask to log in again.
  if (response.status === 401 || (response.status === 400 && /CSRF/i.test(data.detail ?? ""))) {
    return ["reauth", T.reauth];
  }
  const code = scan.printed;
  if (response.status === 201) return ["ok", fill(scan.action === "transfer" ? T.transferred : T.moved, { code, stage: stageLabel(data.stage), site: data.site?.name ?? "" })];
  if (response.status === 200) return ["already", fill(T.already_recorded, { code, stage: stageLabel(data.stage) })];
  if (response.status === 404) return ["unknown", fill(T.unknown, { code })];
  const type = (data.type ?? "").replace("urn:collecte:problem:", "");
  if (type === "already-in-stage") return ["already", fill(T.already, { code, stage: stageLabel(data.current_stage) })];
  if (type === "transition-not-allowed" || type === "role-not-allowed") {
    const allowed = (data.allowed_next ?? []).filter((s) => s !== "lost").map(stageLabel).join(", ") || T.none;
    return ["not-allowed", fill(T.not_allowed, { code, stage: stageLabel(data.current_stage), allowed })];
  }
  if (type === "guard-failed") {
    return ["guard", fill(T.guard, { code, problems: (data.problems ?? []).join(" ") }), recordLinks(scan.code)];
  }
  if (type === "mistyped-code" || type === "malformed-code") return ["mistyped", fill(T.mistyped, { detail: data.detail ?? "" })];
  return ["error", `${code} : ${data.detail ?? response.statusText}`];
}

async function updateSyncStatus() {
  const waiting = (await queue.all()).length;
  syncStatus.textContent = waiting ? fill(T.waiting, { n: waiting }) : T.nothing_waiting;
  return waiting;
}

// Sends the queue in order; stops at the first network failure. Each outcome goes to the
// session's list; the live region says the outcome of the scans just made, then a summary of
// the queued ones that went with them, naming each refusal (conflicts are reported one by one).
// Runs one at a time: a scan made during a sync is sent right after it.
const live = new Set();
let chain = Promise.resolve();

function flush() {
  chain = chain.then(flushOnce, flushOnce);
  return chain;
}

async function flushOnce() {
  const mine = [];
  const others = [];
  try {
    for (const scan of await queue.all()) {
      const result = await send(scan);
      if (result === null || result[0] === "reauth") {
        for (const id of live) {
          const waiting = logBody.querySelector(`tr[data-id="${id}"]`);
          if (waiting) waiting.children[3].textContent = T.queued;
        }
        setOutcome(scan, "queued", T.queued);
        if (result) mine.push([result[0], result[1], []]);
        else if (live.has(scan.client_event_id)) {
          mine.push(["queued", fill(T.offline, { code: scan.printed }), []]);
        }
        live.clear();
        break;
      }
      await queue.remove(scan.client_event_id);
      const [kind, message, links] = result;
      setOutcome(scan, kind, message);
      (live.delete(scan.client_event_id) ? mine : others).push([kind, message, links ?? []]);
    }
  } finally {
    await updateSyncStatus();
  }
  const refused = others.filter(([kind]) => !["ok", "already"].includes(kind));
  const parts = mine.map(([, message]) => message);
  if (others.length) {
    parts.push(fill(T.synced_summary, { n: others.length, refused: refused.length }),
      ...refused.map(([, message]) => message));
  }
  if (!parts.length) return;
  const worst = [...mine, ...refused].find(([kind]) => !["ok", "already"].includes(kind));
  const kind = worst ? worst[0] : (mine.at(-1)?.[0] ?? "ok");
  feedback(kind, parts.join(" "), [...mine, ...refused].flatMap(([, , l]) => l));
}

async function handleScan(raw) {
  const text = raw.trim();
  if (!text) return;
  let reading;
  try {
    reading = readScan(text, layout);
  } catch (error) {
    const scan = { client_event_id: uuid(), occurred_at: new Date().toISOString(),
      printed: text.slice(0, 40), action: actionSelect.value };
    const message = fill(T.mistyped, { detail: error.message });
    setOutcome(scan, "mistyped", message);
    feedback("mistyped", message);
    return;
  }
  if (reading.repaired && layout !== US_ON_AZERTY) {
    layout = US_ON_AZERTY;
    sessionStorage.setItem("collecte.scanner-layout", layout);
  }
  const scan = { client_event_id: uuid(), occurred_at: new Date().toISOString(), seq: seq++,
    code: reading.canonical, printed: printed(reading.canonical), action: actionSelect.value,
    note: form.elements.note.value.trim() || null,
    site_id: Number(form.elements.site_id.value) || null };
  if (scan.action === "transfer" && !scan.site_id) {
    feedback("error", T.choose_site);
    return;
  }
  setOutcome(scan, "queued", T.sending);
  await queue.put(scan);
  if (!navigator.onLine) {
    setOutcome(scan, "queued", T.queued);
    feedback("queued", fill(T.offline, { code: scan.printed }));
    await updateSyncStatus();
    return;
  }
  live.add(scan.client_event_id);
  await flush();
}

// --- wiring -------------------------------------------------------------------------------
// The action is chosen once: remembered for this tab, also across the record pages.
const savedAction = sessionStorage.getItem("collecte.scan-action");
if (savedAction && [...actionSelect.options].some((o) => o.value === savedAction)) {
  actionSelect.value = savedAction;
}
actionSelect.addEventListener("change", () => {
  sessionStorage.setItem("collecte.scan-action", actionSelect.value);
  codeInput.focus();
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const raw = codeInput.value;
  codeInput.value = "";
  codeInput.focus();
  handleScan(raw);
});
document.getElementById("sync").hidden = false;
document.getElementById("sync-now").addEventListener("click", () => flush());
window.addEventListener("online", () => flush());
setInterval(async () => { if (navigator.onLine && (await queue.all()).length) flush(); }, 5000);
updateSyncStatus().then((n) => { if (n && navigator.onLine) flush(); });

const cameraSection = document.getElementById("camera");
const video = document.getElementById("camera-video");
const toggle = document.getElementById("camera-toggle");
if (navigator.mediaDevices?.getUserMedia) {
  cameraSection.hidden = false;
  toggle.addEventListener("click", async () => {
    if (toggle.getAttribute("aria-pressed") === "true") {
      stopCamera(video);
      toggle.setAttribute("aria-pressed", "false");
      toggle.textContent = T.camera_start;
      return;
    }
    try {
      toggle.setAttribute("aria-pressed", "true");
      toggle.textContent = T.camera_stop;
      await startCamera(video, handleScan, form.dataset.vendorUrl);
    } catch (error) {
      stopCamera(video);
      toggle.setAttribute("aria-pressed", "false");
      toggle.textContent = T.camera_start;
      feedback("error", fill(T.camera_error, { detail: error.message }));
    }
  });
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(form.dataset.swUrl, { scope: "/workshop/" }).then(async () => {
    // Keep the page and its files for opening the station offline (the worker refreshes them).
    const files = [window.location.pathname, ...[...document.querySelectorAll(
      'script[src], link[rel="stylesheet"]')].map((el) => el.src || el.href),
      ...["scanner.js", "scan-queue.js", "camera-scan.js"].map((f) => new URL(f, import.meta.url).href)];
    const cache = await caches.open("collecte-station-v1");
    await cache.addAll(files);
    await navigator.serviceWorker.ready;
    document.body.dataset.offlineReady = "true";
  }).catch(() => { /* the station works without offline opening */ });
}
document.body.dataset.stationReady = "true";
