// The formats worker's loader (a classic worker script; see src/bin/formats_worker.rs).
// index.html copies it next to formats_worker.js and formats_worker_bg.wasm, which Trunk
// writes for <link data-trunk rel="rust" data-bin="formats_worker" data-type="worker">.
// All three are same-origin files, so the page's CSP (script-src 'self' 'wasm-unsafe-eval';
// worker-src falls back to script-src) lets them run. Unlike Trunk's data-loader-shim, it
// reports a failed start to the page, which would otherwise wait for the worker forever
// (a rejected promise in a worker fires no error event on the Worker object).
try {
  importScripts('./formats_worker.js');
  wasm_bindgen({ module_or_path: './formats_worker_bg.wasm' })
    .catch((e) => postMessage({ failed: String((e && e.message) || e) }));
} catch (e) {
  postMessage({ failed: String((e && e.message) || e) });
}
