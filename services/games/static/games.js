// The live console of a game server's page: new lines and state changes through
// server-sent events. Lines arrive as HTML the server has already escaped.
(function () {
  const box = document.getElementById('console');
  if (!box || !window.EventSource) return;
  const id = box.dataset.server;
  const keep = 500;
  box.scrollTop = box.scrollHeight;
  const source = new EventSource('/games/servers/' + id + '/events?after=' + (box.dataset.seq || '0'));
  source.addEventListener('line', function (event) {
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
    const line = document.createElement('div');
    line.innerHTML = event.data;
    box.appendChild(line);
    while (box.childElementCount > keep) box.removeChild(box.firstElementChild);
    if (atBottom) box.scrollTop = box.scrollHeight;
  });
  source.addEventListener('state', function (event) {
    const state = document.getElementById('state');
    if (!state) return;
    const before = state.textContent;
    state.textContent = event.data;
    state.className = 'state state-' + event.data;
    // The actions differ between a live server and a stopped one.
    const live = ['starting', 'running', 'stopping'];
    if (live.includes(before) !== live.includes(event.data)) window.location.reload();
  });
})();
