// The page half of the digit demo: drawing, and showing what the
// WebAssembly program (app/main.go) predicts. window.lastResult holds the
// last prediction ({pixels, probs, ms, ups}) for tests to read.
"use strict";

const pad = document.getElementById("pad");
const ctx = pad.getContext("2d", { willReadFrequently: true });
const seen = document.getElementById("seen").getContext("2d");
const status = document.getElementById("status");
const table = document.getElementById("probs");
let drawing = false, last = null, pending = false, ups = 0;
window.predictions = 0;

function clearPad() {
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, pad.width, pad.height);
  seen.clearRect(0, 0, 28, 28);
  window.lastResult = null;
  showProbs(null);
}

function showProbs(probs) {
  table.innerHTML = "";
  const best = probs ? probs.indexOf(Math.max(...probs)) : -1;
  for (let d = 0; d < 10; d++) {
    const p = probs ? probs[d] : 0;
    const row = table.insertRow();
    if (d === best) row.className = "top";
    row.insertCell().textContent = d;
    const bar = row.insertCell();
    bar.className = "bar";
    bar.appendChild(document.createElement("div")).style.width = (100 * p).toFixed(1) + "%";
    row.insertCell().textContent = p.toFixed(4);
  }
}

function predict() {
  pending = false;
  const img = ctx.getImageData(0, 0, pad.width, pad.height);
  const r = neuron.predict(img.data, pad.width, pad.height);
  if (r.error) {
    status.textContent = "Error: " + r.error;
    return;
  }
  const out = seen.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    out.data.set([r.pixels[i], r.pixels[i], r.pixels[i], 255], 4 * i);
  }
  seen.putImageData(out, 0, 0);
  showProbs(r.probs);
  document.getElementById("timing").textContent = "predict: " + r.ms.toFixed(2) + " ms";
  window.predictions++;
  window.lastResult = { pixels: r.pixels, probs: r.probs, ms: r.ms, ups: ups };
}

// While drawing, predictions are coalesced to one per frame.
function schedule() {
  if (!pending) {
    pending = true;
    requestAnimationFrame(predict);
  }
}

function point(e) {
  const b = pad.getBoundingClientRect();
  return [(e.clientX - b.left) * pad.width / b.width, (e.clientY - b.top) * pad.height / b.height];
}

function stroke(p) {
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 20;
  ctx.lineCap = ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(...(last || p));
  ctx.lineTo(...p);
  ctx.stroke();
  last = p;
}

pad.addEventListener("pointerdown", e => {
  drawing = true;
  last = null;
  pad.setPointerCapture(e.pointerId);
  stroke(point(e));
  schedule();
});
pad.addEventListener("pointermove", e => {
  if (!drawing) return;
  stroke(point(e));
  schedule();
});
function end() {
  if (!drawing) return;
  drawing = false;
  ups++;
  predict(); // the final drawing, at once
}
pad.addEventListener("pointerup", end);
pad.addEventListener("pointercancel", end); // a touch taken over by scrolling, say
document.getElementById("clear").addEventListener("click", clearPad);

async function start() {
  const go = new Go();
  const ready = new Promise(resolve => { window.neuronReady = resolve; });
  const wasm = await WebAssembly.instantiateStreaming(fetch("main.wasm"), go.importObject);
  go.run(wasm.instance);
  await ready;
  const get = async name => {
    const resp = await fetch(name);
    if (!resp.ok) throw new Error(name + ": " + resp.status + " " + resp.statusText);
    return resp;
  };
  const config = await (await get("config.json")).json();
  const model = new Uint8Array(await (await get("model.safetensors")).arrayBuffer());
  const err = neuron.load(model, config.scale);
  if (err) throw new Error(err);
  status.textContent = "Draw a digit with the mouse or a finger.";
  window.demoReady = true;
}

clearPad();
start().catch(e => { status.textContent = "Error: " + e.message; window.demoError = e.message; });
