/**
 * Entry file of one pthread of the threaded wasm build (see threads.ts); runs in a worker_threads Worker.
 *
 * tfjs-backend-wasm ships emscripten's pthread worker script only as a string (browsers start it from a
 * Blob URL, which Node's Worker cannot load). That script already speaks Node: it maps parentPort to the
 * Web Worker API the emscripten glue expects (self, postMessage, onmessage, importScripts, location).
 * It needs `require` and `__filename` in scope, which an indirect eval would not give, hence a Function.
 */
const { wasmWorkerContents } =
  require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };

// The script's string literals hold raw newlines (the package escapes them the same way before use).
const script = wasmWorkerContents.replace(/\n/g, '\\n');
// Running tfjs's worker script is this file's purpose; the package evaluates the same string in its own workers.
// eslint-disable-next-line @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call
new Function('require', '__filename', script)(require, __filename);

export {};
