// Reading what a barcode scanner typed: label URLs and US-layout scanners on AZERTY machines.
// Mirror of collecte/domain/scanner.py and collecte/domain/codes.py (a browser test checks that
// both agree): keep the two in step.

const pairs = (from, to) => [...from].map((ch, i) => [ch, [...to][i]]);

// US character typed by the scanner -> character an AZERTY (fr-FR) machine shows for that key.
export const US_TO_AZERTY = Object.fromEntries([
  ...pairs("1234567890", "&é\"'(-è_çà"),
  ...pairs("!@#$%^&*()", "1234567890"),
  ["-", ")"], ["_", "°"],
  ["a", "q"], ["q", "a"], ["z", "w"], ["w", "z"], ["m", ","],
  ["A", "Q"], ["Q", "A"], ["Z", "W"], ["W", "Z"], ["M", "?"],
  [",", ";"], ["<", "."], [".", ":"], [">", "/"], ["/", "!"], ["?", "§"],
  [";", "m"], [":", "M"], ["'", "ù"], ['"', "%"],
]);
export const AZERTY_TO_US = Object.fromEntries(
  Object.entries(US_TO_AZERTY).map(([meant, typed]) => [typed, meant]));
export const US_ON_AZERTY = "us-on-azerty";
const AZERTY_MARKS = new Set([..."&é\"'(è_çà?§°ù!%)"]);

export const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const VALUE = Object.fromEntries([...ALPHABET].map((ch, i) => [ch, i]));
const ALIASES = { O: "0", I: "1", L: "1" };
const POLY = 0b100101;

export function repair(typed) {
  return [...typed].map((ch) => AZERTY_TO_US[ch] ?? ch).join("");
}

export function looksMistranslated(typed) {
  return [...typed].some((ch) => AZERTY_MARKS.has(ch));
}

export class CodeError extends Error {
  constructor(kind, message) { super(message); this.kind = kind; }
}

function fold(values) {
  let interim = 0;
  for (const v of values) {
    interim <<= 1;
    if (interim & 0b100000) interim ^= POLY;
    interim ^= v;
  }
  return interim;
}

export function extractCode(scanned) {
  let text = scanned.trim();
  const marker = "/d/";
  if (text.includes(marker)) {
    text = text.slice(text.lastIndexOf(marker) + marker.length).split("?")[0].split("#")[0];
    text = text.replace(/^\/+|\/+$/g, "");
  }
  return text;
}

export function normalize(raw) {
  return [...raw.trim().toUpperCase()].filter((ch) => !"- \t".includes(ch))
    .map((ch) => ALIASES[ch] ?? ch).join("");
}

// The canonical code (9 symbols) or a CodeError ("malformed" / "mistyped"), French messages.
export function parseCode(raw) {
  const text = normalize(raw);
  if (text.length !== 9) {
    throw new CodeError("malformed",
      `Un code d'appareil a 9 signes (comme 7K3M-9QXT-H) ; celui-ci en a ${text.length}.`);
  }
  const bad = [...new Set([...text].filter((ch) => !(ch in VALUE)))].sort();
  if (bad.length) throw new CodeError("malformed", `Un code d'appareil ne peut pas contenir ${bad.join(", ")}.`);
  if (fold([...text].map((ch) => VALUE[ch])) !== 0) {
    throw new CodeError("mistyped", "Ce code semble mal saisi : son dernier signe ne correspond pas.");
  }
  return text;
}

export function printed(canonical) {
  return `${canonical.slice(0, 4)}-${canonical.slice(4, 8)}-${canonical.slice(8)}`;
}

// Same rule as domain/scanner.read_scan: as typed unless it shows the wrong layout (or the
// station knows its scanner is US-on-AZERTY), then repaired; the check symbol decides.
export function readScan(typed, layout = null) {
  const candidates = [[typed, false], [repair(typed), true]];
  if (layout === US_ON_AZERTY || looksMistranslated(typed)) candidates.reverse();
  let firstError = null;
  for (const [text, repaired] of candidates) {
    try {
      return { canonical: parseCode(extractCode(text)), repaired };
    } catch (error) {
      if (!(error instanceof CodeError)) throw error;
      firstError ??= error;
    }
  }
  throw firstError;
}
