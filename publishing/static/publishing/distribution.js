// A distribution's live progress: counts by state, each post, and the recalls under way.
(function () {
  const root = document.getElementById("distribution");
  const rows = document.getElementById("distribution-rows");
  function cell(text) { const td = document.createElement("td"); td.textContent = text; return td; }
  const query = new URLSearchParams(window.location.search);
  function go(page) { query.set("page", page); window.history.replaceState(null, "", `?${query}`); refresh(); }
  document.getElementById("page-previous").addEventListener("click", () => go(Math.max(1, Number(query.get("page") || 1) - 1)));
  document.getElementById("page-next").addEventListener("click", () => go(Number(query.get("page") || 1) + 1));
  function refresh() {
    fetch(`${root.dataset.progressUrl}?${query}`, { credentials: "same-origin" }).then((r) => r.json()).then((data) => {
      if (data.errors) return;
      document.getElementById("page-number").textContent = `${data.page} / ${data.pages}`;
      document.getElementById("distribution-matching").textContent = `${data.matching}`;
      root.querySelectorAll("[data-state]").forEach((li) => { li.querySelector("strong").textContent = data.counts[li.dataset.state] || 0; });
      rows.replaceChildren(...data.posts.map((post) => {
        const tr = document.createElement("tr");
        tr.append(cell(post.embassy__name), cell(post.network), cell(post.language + (post.fallback ? " (fallback)" : "")),
          cell(post.state + (post.sensitive ? " · sensitive" : "")), cell(post.due_local), cell(post.text));
        const link = document.createElement("td");
        if (post.external_url) { const a = document.createElement("a"); a.href = post.external_url; a.textContent = "view"; link.append(a); }
        else { link.textContent = post.reason; }
        tr.append(link);
        return tr;
      }));
      const recallRows = document.getElementById("recall-rows");
      if (data.recalls.length) {
        recallRows.replaceChildren(...data.recalls.map((recall) => {
          const tr = document.createElement("tr");
          const state = recall.finished ? (recall.failed ? `finished: ${recall.failed} still live, recall again` : "finished") : "under way";
          tr.append(cell(recall.requested_at + " UTC"), cell(recall.by), cell(recall.reason),
            cell(`${recall.deleted} / ${recall.total}`), cell(recall.failed), cell(recall.withdrawn), cell(state));
          return tr;
        }));
      }
    });
  }
  refresh();
  setInterval(refresh, 2000);
})();
