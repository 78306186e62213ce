// The games pages' script. The launch form shows the chosen game's settings alone (the
// others are hidden and disabled, so they are neither sent nor checked); without this script
// every game's settings show, and the server reads the chosen game's.
(function () {
  const form = document.getElementById('launch-form');
  if (!form) return;
  const sets = form.querySelectorAll('.game-settings');
  function show() {
    const chosen = form.querySelector('input[name=game]:checked');
    sets.forEach(function (set) {
      const mine = chosen !== null && set.dataset.game === chosen.value;
      set.hidden = !mine;
      set.disabled = !mine;
    });
  }
  form.querySelectorAll('input[name=game]').forEach(function (radio) {
    radio.addEventListener('change', show);
  });
  show();
})();

// The live console of a game server's page: new lines, state changes and the server's
// figures through server-sent events. Lines arrive as HTML the server has already escaped.
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
  // Uptime, CPU, memory and players, every few seconds.
  source.addEventListener('figures', function (event) {
    const figures = JSON.parse(event.data);
    document.querySelectorAll('[data-figure]').forEach(function (element) {
      element.textContent = figures[element.dataset.figure] || '';
    });
    const box = document.getElementById('figures');
    if (box) box.hidden = !figures.running;
    const players = document.getElementById('players');
    if (players) players.hidden = !figures.players;
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
