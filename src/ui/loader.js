// spantag's loader, kept out of index.html so that the Content-Security-Policy
// needs no 'unsafe-inline' and no hash that changes with every build.
// Trunk writes the hashed names of the wasm-bindgen module and the wasm file into
// this script's own URL (see pattern_script in Trunk.toml):
//   <script type="module" src="/loader.js?js=spantag-<hash>.js&wasm=spantag-<hash>_bg.wasm">
// Both must be files of this origin; anything else is refused.
const here = new URL(import.meta.url);
const local = (name) => {
  const url = new URL(name || '', here);
  if (!name || url.origin !== here.origin) throw new Error(`spantag loader: refusing ${JSON.stringify(name)}`);
  return url.href;
};
const { default: init } = await import(local(here.searchParams.get('js')));
const wasm = await init({ module_or_path: local(here.searchParams.get('wasm')) });
// The event Trunk's own loader fires; the benchmark probe listens for it.
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
