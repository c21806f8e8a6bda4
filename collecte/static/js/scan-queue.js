// The station's offline queue: a tiny IndexedDB wrapper (one store, keyed by client_event_id).

const DB_NAME = "collecte-station";
const STORE = "scans";
let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(STORE, { keyPath: "client_event_id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

async function run(mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const put = (scan) => run("readwrite", (store) => store.put(scan));
export const remove = (id) => run("readwrite", (store) => store.delete(id));

// Every queued scan, oldest first (the order they happened in, which the stages need).
export async function all() {
  const items = (await run("readonly", (store) => store.getAll())) || [];
  return items.sort((a, b) => a.seq - b.seq);
}
