// app.js: the page GET / serves. It calls this server's own API (same origin only, as
// the page's Content-Security-Policy allows): POST /v1/prominent-colors with the image,
// then POST /v1/centroids for the pie chart. The API key, if any, stays in the form
// field: it is never stored, and sent only as an Authorization header.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  let file = null;
  let previewUrl = null;
  let pieUrl = null;
  let pieRequest = null;

  function authHeaders() {
    const key = $('key').value.trim();
    return key ? { Authorization: 'Bearer ' + key } : {};
  }

  // A readable error from a response: an RFC 9457 problem document's title, status and
  // detail, or the status line when the body is something else.
  async function problem(resp) {
    const type = resp.headers.get('Content-Type') || '';
    let title = resp.statusText || 'Error';
    let detail = '';
    if (type.includes('json')) {
      try {
        const doc = await resp.json();
        title = doc.title || title;
        detail = doc.detail || '';
      } catch (e) {
        detail = 'the answer was not valid JSON';
      }
    }
    return { status: resp.status, title: title, detail: detail };
  }

  function showError(err) {
    const box = $('error');
    box.replaceChildren();
    const head = document.createElement('strong');
    head.textContent = err.status ? err.title + ' (' + err.status + ')' : err.title;
    box.append(head);
    if (err.detail) box.append(document.createTextNode(err.detail));
    box.hidden = false;
  }

  function clearError() {
    $('error').hidden = true;
    $('error').replaceChildren();
  }

  async function copy(text, button) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      // Without the asynchronous clipboard (an insecure origin), copy through a selection.
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    button.dataset.label = button.dataset.label || button.textContent;
    button.classList.add('done');
    button.textContent = 'copied';
    setTimeout(() => {
      button.classList.remove('done');
      button.textContent = button.dataset.label;
    }, 1200);
  }

  function number(id) {
    const v = $(id).value.trim();
    return v === '' ? null : v;
  }

  function swatch(c) {
    const li = document.createElement('li');
    li.className = 'swatch';
    const chip = document.createElement('div');
    chip.className = 'chip';
    chip.style.backgroundColor = c.hex; // CSSOM, which the style-src policy allows
    const info = document.createElement('div');
    info.className = 'info';
    const hex = document.createElement('span');
    hex.className = 'hex';
    hex.textContent = c.hex;
    const share = document.createElement('span');
    share.className = 'share';
    share.textContent = (100 * c.fraction).toFixed(2) + '%';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy';
    button.textContent = 'copy';
    button.addEventListener('click', () => copy(c.hex, button));
    info.append(hex, share, button);
    li.append(chip, info);
    return li;
  }

  async function pie(result) {
    pieRequest = {
      colors: result.colors.map((c) => c.hex),
      counts: result.colors.map((c) => c.count),
      width: Number($('width').value),
      height: Number($('height').value),
      start_angle: Number($('start_angle').value || 0),
      labels: $('labels').checked,
      percent: $('percent').checked,
      clockwise: $('clockwise').checked,
      transparent: $('transparent').checked,
      format: $('format').value,
    };
    const resp = await fetch('/v1/centroids', {
      method: 'POST',
      headers: Object.assign({ 'Content-Type': 'application/json' }, authHeaders()),
      body: JSON.stringify(pieRequest),
    });
    if (!resp.ok) throw await problem(resp);
    if (pieUrl) URL.revokeObjectURL(pieUrl);
    pieUrl = URL.createObjectURL(await resp.blob());
    $('pie-img').src = pieUrl;
  }

  async function run() {
    if (!file) return;
    clearError();
    $('run').disabled = true;
    $('status').textContent = 'Finding the colours of ' + file.name + '\u2026';
    const form = new FormData();
    form.append('image', file, file.name);
    for (const id of ['k', 'n_init', 'seed', 'min_alpha']) {
      const v = number(id);
      if (v !== null) form.append(id, v);
    }
    form.append('space', $('space').value);
    form.append('color_management', $('color_management').checked ? '1' : '0');
    form.append('fast', $('fast').checked ? '1' : '0');
    try {
      const resp = await fetch('/v1/prominent-colors', {
        method: 'POST', headers: authHeaders(), body: form,
      });
      if (!resp.ok) throw await problem(resp);
      const result = await resp.json();
      $('json').textContent = JSON.stringify(result, null, 2);
      $('swatches').replaceChildren(...result.colors.map(swatch));
      $('result').hidden = false;
      await pie(result);
      $('status').textContent = result.width + '\u00d7' + result.height + ', ' + result.pixels +
        ' pixels, ' + result.distinct + ' distinct colours, k = ' + result.k + '.';
    } catch (err) {
      $('status').textContent = '';
      $('result').hidden = true;
      showError(err.status !== undefined ? err
        : { status: 0, title: 'The request failed', detail: String(err.message || err) });
    } finally {
      $('run').disabled = false;
    }
  }

  function choose(f) {
    if (!f) return;
    file = f;
    $('drop-text').textContent = f.name + ' (' + Math.round(f.size / 1024) + ' KiB)';
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(f);
    $('preview').src = previewUrl;
    $('preview').hidden = !/^image\/(png|jpeg)$/.test(f.type);
    $('run').disabled = false;
    run();
  }

  $('file').addEventListener('change', () => choose($('file').files[0]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    choose(e.dataTransfer.files[0]);
  });
  $('options').addEventListener('submit', (e) => { e.preventDefault(); run(); });
  $('copy-json').addEventListener('click', (e) => copy($('json').textContent, e.target));
  $('copy-pie').addEventListener('click', (e) => copy(JSON.stringify(pieRequest), e.target));
})();
