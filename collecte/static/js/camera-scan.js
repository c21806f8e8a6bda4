// Camera scanning: the browser's BarcodeDetector, or the barcode-detector polyfill (ZXing
// WebAssembly) served by the app itself from static/vendor/barcode-detector/ (no CDN).

let stream = null;
let timer = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`Chargement impossible : ${src}`));
    document.head.append(script);
  });
}

async function detectorClass(vendorUrl) {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) return window.BarcodeDetector;
    } catch { /* fall back to the polyfill */ }
  }
  if (!window.BarcodeDetectionAPI) await loadScript(`${vendorUrl}barcode-detector.iife.js`);
  const api = window.BarcodeDetectionAPI;
  api.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) => (path.endsWith(".wasm") ? `${vendorUrl}${path}` : prefix + path),
    },
  });
  return api.BarcodeDetector;
}

// Starts the camera in `video` and calls onText(rawValue) for each QR code read (the same
// value is reported again only after `quietMs`).
export async function startCamera(video, onText, vendorUrl, quietMs = 4000) {
  const Detector = await detectorClass(vendorUrl);
  const detector = new Detector({ formats: ["qr_code"] });
  stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: "environment" }, audio: false,
  });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const seen = new Map();
  let busy = false;
  timer = setInterval(async () => {
    if (busy || video.readyState < 2) return;
    busy = true;
    try {
      for (const barcode of await detector.detect(video)) {
        const now = Date.now();
        if (now - (seen.get(barcode.rawValue) ?? 0) > quietMs) onText(barcode.rawValue);
        seen.set(barcode.rawValue, now);
      }
    } catch { /* a frame that cannot be read: try the next one */ }
    busy = false;
  }, 250);
}

export function stopCamera(video) {
  clearInterval(timer);
  timer = null;
  stream?.getTracks().forEach((track) => track.stop());
  stream = null;
  video.srcObject = null;
  video.hidden = true;
}
