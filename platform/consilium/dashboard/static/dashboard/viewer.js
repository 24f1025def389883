/* Consilium study viewer.
 *
 * The server decodes each frame (every transfer syntax it can read) and sends real values
 * (imaging/frames.py); this file applies window/level, zoom and pan on a canvas, so dragging
 * needs no round trip, and lays the model's heat maps over the image the model read.
 *
 * Mouse: left drag = the chosen tool (window/level, pan or zoom), right drag = zoom,
 * middle drag = pan, wheel = next/previous image, Ctrl+wheel = zoom.
 * Keys on the canvas: arrows = image, R = reset, I = invert.
 */
(() => {
  "use strict";

  const root = document.querySelector("[data-viewer]");
  if (!root) return;

  const $ = (selector) => root.querySelector(selector);
  const canvas = $("canvas");
  const context = canvas.getContext("2d");
  const controls = {
    series: $("[data-series]"),
    preset: $("[data-preset]"),
    slider: $("[data-image-slider]"),
    position: $("[data-position]"),
    readout: $("[data-readout]"),
    message: $("[data-message]"),
    overlay: $("[data-overlay]"),
    overlayOn: $("[data-overlay-on]"),
    opacity: $("[data-opacity]"),
    overlayNote: $("[data-overlay-note]"),
    keyImage: $("[data-key-image]"),
    reset: $("[data-reset]"),
    invert: $("[data-invert]"),
  };

  const state = {
    manifest: null,
    series: null,
    images: [], // [{instance, frame}] of the chosen series, in order
    index: 0,
    frame: null, // the decoded frame on screen
    centre: 0,
    width: 1,
    invert: false,
    zoom: 1,
    panX: 0,
    panY: 0,
    tool: "window",
    heatmaps: new Map(), // explanation id -> HTMLImageElement
    overlay: null, // the chosen overlay of manifest.overlays
    request: 0,
  };

  const cache = new Map(); // "instance:frame" -> Promise of a decoded frame
  const CACHE_LIMIT = 96;
  const offscreen = document.createElement("canvas");
  const offscreenContext = offscreen.getContext("2d");

  function say(text) {
    controls.message.textContent = text || "";
    controls.message.hidden = !text;
  }

  function frameUrl(instance, frame) {
    return instance.pixels.replace(/\/1$/, `/${frame + 1}`);
  }

  function decode(buffer) {
    const headerLength = new DataView(buffer).getUint32(0, true);
    const meta = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
    const offset = 4 + headerLength;
    const count = meta.rows * meta.columns;
    meta.values =
      meta.kind === "grey"
        ? new Float32Array(buffer, offset, count)
        : new Uint8Array(buffer, offset, count * 3);
    return meta;
  }

  function loadFrame(image) {
    const key = `${image.instance.id}:${image.frame}`;
    if (!cache.has(key)) {
      const promise = fetch(frameUrl(image.instance, image.frame), { credentials: "same-origin" })
        .then(async (response) => {
          if (!response.ok) throw new Error((await response.text()) || response.statusText);
          return decode(await response.arrayBuffer());
        });
      promise.catch(() => cache.delete(key));
      cache.set(key, promise);
      if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value);
    }
    return cache.get(key);
  }

  /* Window/level (PS3.3 C.11.2.1.2, linear) into an RGBA image the size of the frame. */
  function paintFrame() {
    const frame = state.frame;
    offscreen.width = frame.columns;
    offscreen.height = frame.rows;
    const out = offscreenContext.createImageData(frame.columns, frame.rows);
    const pixels = out.data;
    const low = state.centre - 0.5 - (state.width - 1) / 2;
    const scale = 255 / Math.max(state.width - 1, 1e-6);
    const invert = frame.invert !== state.invert;
    const level = (value) => {
      let grey = (value - low) * scale;
      grey = grey < 0 ? 0 : grey > 255 ? 255 : grey;
      return invert ? 255 - grey : grey;
    };
    const values = frame.values;
    if (frame.kind === "grey") {
      for (let i = 0, j = 0; i < values.length; i += 1, j += 4) {
        const grey = level(values[i]);
        pixels[j] = pixels[j + 1] = pixels[j + 2] = grey;
        pixels[j + 3] = 255;
      }
    } else {
      for (let i = 0, j = 0; i < values.length; i += 3, j += 4) {
        pixels[j] = level(values[i]);
        pixels[j + 1] = level(values[i + 1]);
        pixels[j + 2] = level(values[i + 2]);
        pixels[j + 3] = 255;
      }
    }
    offscreenContext.putImageData(out, 0, 0);
  }

  function isKeyImage(image) {
    const key = state.manifest && state.manifest.key_image;
    return Boolean(key && image && image.instance.id === key.instance && image.frame === key.frame);
  }

  function draw() {
    const bounds = canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(bounds.width * ratio));
    const height = Math.max(1, Math.round(bounds.height * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = "#000";
    context.fillRect(0, 0, width, height);
    const frame = state.frame;
    if (!frame) return;
    const fit = Math.min(width / frame.columns, height / frame.rows);
    const scale = fit * state.zoom;
    context.setTransform(
      scale, 0, 0, scale,
      width / 2 + state.panX * ratio - (frame.columns * scale) / 2,
      height / 2 + state.panY * ratio - (frame.rows * scale) / 2,
    );
    context.imageSmoothingEnabled = state.zoom < 4;
    context.drawImage(offscreen, 0, 0);

    const image = state.images[state.index];
    const heatmap = state.overlay && state.heatmaps.get(state.overlay.explanation);
    const showing = Boolean(
      heatmap && heatmap.complete && controls.overlayOn.checked && isKeyImage(image),
    );
    if (showing) {
      context.globalAlpha = Number(controls.opacity.value) / 100;
      context.imageSmoothingEnabled = true;
      context.drawImage(heatmap, 0, 0, frame.columns, frame.rows);
      context.globalAlpha = 1;
    }
    root.dataset.overlay = showing ? "on" : "off";
    root.dataset.window = `${Math.round(state.centre)},${Math.round(state.width)}`;
    root.dataset.zoom = state.zoom.toFixed(2);
    controls.readout.textContent =
      `W ${Math.round(state.width)} · L ${Math.round(state.centre)} · zoom ${state.zoom.toFixed(2)}×` +
      (state.invert ? " · inverted" : "");
    const offKey = state.overlay && controls.overlayOn.checked && !isKeyImage(image);
    controls.overlayNote.hidden = !offKey;
  }

  function setWindow(centre, width) {
    state.centre = centre;
    state.width = Math.max(width, 1);
    paintFrame();
    draw();
  }

  function fillPresets(frame) {
    controls.preset.replaceChildren(
      ...frame.windows.map((preset, index) => {
        const option = new Option(
          `${preset.name} (W ${Math.round(preset.width)} / L ${Math.round(preset.centre)})`,
          String(index),
        );
        return option;
      }),
      new Option("Custom", "custom"),
    );
  }

  async function show(index, { resetWindow = false } = {}) {
    if (!state.images.length) return;
    state.index = Math.max(0, Math.min(index, state.images.length - 1));
    controls.slider.value = String(state.index);
    const image = state.images[state.index];
    const number = image.instance.number ?? "—";
    const frames = image.instance.frames;
    controls.position.textContent =
      `Image ${state.index + 1} of ${state.images.length} · instance ${number}` +
      (frames > 1 ? ` · frame ${image.frame + 1}/${frames}` : "") +
      (isKeyImage(image) ? " · the image the model read" : "");
    const request = ++state.request;
    root.dataset.state = "loading";
    let frame;
    try {
      frame = await loadFrame(image);
    } catch (error) {
      if (request !== state.request) return;
      say(`This image cannot be shown: ${error.message}`);
      root.dataset.state = "error";
      return;
    }
    if (request !== state.request) return; // a later image was asked for meanwhile
    say("");
    const kindChanged = !state.frame || state.frame.kind !== frame.kind;
    state.frame = frame;
    if (resetWindow || kindChanged) {
      fillPresets(frame);
      controls.preset.value = "0";
      state.centre = frame.windows[0].centre;
      state.width = frame.windows[0].width;
    }
    paintFrame();
    draw();
    root.dataset.state = "ready";
    // Read ahead a few neighbours so scrolling stays smooth.
    for (const step of [1, -1, 2]) {
      const neighbour = state.images[state.index + step];
      if (neighbour) loadFrame(neighbour).catch(() => {});
    }
  }

  function chooseSeries(seriesId, imageIndex) {
    const series = state.manifest.series.find((s) => s.id === seriesId) || state.manifest.series[0];
    state.series = series;
    controls.series.value = String(series.id);
    const sorted = [...series.instances].sort((a, b) => (a.number ?? 0) - (b.number ?? 0));
    state.images = sorted.flatMap((instance) =>
      Array.from({ length: instance.frames }, (_, frame) => ({ instance, frame })),
    );
    controls.slider.max = String(Math.max(state.images.length - 1, 0));
    controls.slider.disabled = state.images.length < 2;
    state.zoom = 1;
    state.panX = state.panY = 0;
    const middle = Math.floor(state.images.length / 2);
    show(imageIndex ?? middle, { resetWindow: true });
  }

  function keyImageLocation() {
    const key = state.manifest.key_image;
    if (!key) return null;
    for (const series of state.manifest.series) {
      const sorted = [...series.instances].sort((a, b) => (a.number ?? 0) - (b.number ?? 0));
      let index = 0;
      for (const instance of sorted) {
        if (instance.id === key.instance) return { series: series.id, index: index + key.frame };
        index += instance.frames;
      }
    }
    return null;
  }

  function goToKeyImage() {
    const location = keyImageLocation();
    if (!location) return;
    if (state.series && state.series.id === location.series) show(location.index);
    else chooseSeries(location.series, location.index);
  }

  function chooseOverlay(explanationId) {
    const overlays = state.manifest.overlays;
    state.overlay = overlays.find((o) => o.explanation === explanationId) || overlays[0] || null;
    if (state.overlay) {
      controls.overlay.value = String(state.overlay.explanation);
      if (!state.heatmaps.has(state.overlay.explanation)) {
        const heatmap = new Image();
        heatmap.onload = draw;
        heatmap.src = state.overlay.heatmap;
        state.heatmaps.set(state.overlay.explanation, heatmap);
      }
    }
    draw();
  }

  /* Pointer interaction: one drag at a time; the button decides the tool. */
  let drag = null;
  canvas.addEventListener("contextmenu", (event) => event.preventDefault());
  canvas.addEventListener("pointerdown", (event) => {
    if (!state.frame) return;
    canvas.setPointerCapture(event.pointerId);
    const tool = event.button === 2 ? "zoom" : event.button === 1 ? "pan" : state.tool;
    drag = { tool, x: event.clientX, y: event.clientY };
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    drag.x = event.clientX;
    drag.y = event.clientY;
    if (drag.tool === "window") {
      // Sensitivity follows the value range, so CT (thousands of HU) and 8-bit both feel right.
      const step = Math.max((state.frame.maximum - state.frame.minimum) / 512, 0.05);
      controls.preset.value = "custom";
      setWindow(state.centre + dy * step, state.width + dx * step);
    } else if (drag.tool === "pan") {
      state.panX += dx;
      state.panY += dy;
      draw();
    } else {
      state.zoom = Math.min(Math.max(state.zoom * Math.exp(-dy / 150), 0.1), 40);
      draw();
    }
  });
  const endDrag = () => { drag = null; };
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    if (event.ctrlKey) {
      state.zoom = Math.min(Math.max(state.zoom * Math.exp(-event.deltaY / 300), 0.1), 40);
      draw();
    } else if (event.deltaY) {
      show(state.index + Math.sign(event.deltaY));
    }
  }, { passive: false });
  canvas.addEventListener("keydown", (event) => {
    const moves = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
    if (event.key in moves) {
      show(state.index + moves[event.key]);
    } else if (event.key === "r" || event.key === "R") {
      controls.reset.click();
    } else if (event.key === "i" || event.key === "I") {
      controls.invert.click();
    } else {
      return;
    }
    event.preventDefault();
  });

  root.querySelectorAll("[data-tool]").forEach((input) => {
    input.addEventListener("change", () => { state.tool = input.value; });
  });
  controls.series.addEventListener("change", () => chooseSeries(Number(controls.series.value)));
  controls.slider.addEventListener("input", () => show(Number(controls.slider.value)));
  controls.preset.addEventListener("change", () => {
    const preset = state.frame && state.frame.windows[Number(controls.preset.value)];
    if (preset) setWindow(preset.centre, preset.width);
  });
  controls.reset.addEventListener("click", () => {
    state.zoom = 1;
    state.panX = state.panY = 0;
    state.invert = false;
    if (state.frame) {
      controls.preset.value = "0";
      setWindow(state.frame.windows[0].centre, state.frame.windows[0].width);
    }
  });
  controls.invert.addEventListener("click", () => {
    state.invert = !state.invert;
    if (state.frame) { paintFrame(); draw(); }
  });
  controls.overlay.addEventListener("change", () => chooseOverlay(Number(controls.overlay.value)));
  controls.overlayOn.addEventListener("change", draw);
  controls.opacity.addEventListener("input", draw);
  controls.keyImage.addEventListener("click", goToKeyImage);
  document.querySelectorAll("[data-show-heatmap]").forEach((button) => {
    button.addEventListener("click", () => {
      controls.overlayOn.checked = true;
      chooseOverlay(Number(button.dataset.showHeatmap));
      goToKeyImage();
      root.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });
  new ResizeObserver(draw).observe(canvas);

  async function start() {
    let manifest;
    try {
      const response = await fetch(root.dataset.manifest, { credentials: "same-origin" });
      if (!response.ok) throw new Error(response.statusText);
      manifest = await response.json();
    } catch (error) {
      say(`The viewer could not load this study's images (${error.message}).`);
      root.dataset.state = "error";
      return;
    }
    state.manifest = manifest;
    if (!manifest.series.length) {
      say("No images received for this study.");
      root.dataset.state = "empty";
      return;
    }
    controls.series.replaceChildren(
      ...manifest.series.map((series) => {
        const images = series.instances.reduce((total, i) => total + i.frames, 0);
        return new Option(`${series.label} (${images} image${images === 1 ? "" : "s"})`, series.id);
      }),
    );
    controls.series.disabled = manifest.series.length < 2;
    const hasOverlays = manifest.overlays.length > 0;
    root.querySelectorAll("[data-overlay-controls]").forEach((el) => { el.hidden = !hasOverlays; });
    controls.overlay.replaceChildren(
      ...manifest.overlays.map((overlay) => new Option(
        overlay.probability == null
          ? overlay.finding
          : `${overlay.finding} (p = ${overlay.probability.toFixed(2)})`,
        overlay.explanation,
      )),
    );
    if (hasOverlays) chooseOverlay(manifest.overlays[0].explanation);
    const key = keyImageLocation();
    if (key) chooseSeries(key.series, key.index);
    else chooseSeries(manifest.series[0].id);
  }

  start();
})();
