// The story's social text as each network's post will read, with X's weighted count, as the editor types.
(function () {
  "use strict";
  // Wagtail puts form media in the page's head: wait for the form.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  function start() {
  document.querySelectorAll("[data-social-preview]").forEach((panel) => {
    const area = document.getElementById(panel.dataset.for);
    const form = area.form;
    const field = (name) => form.querySelector(`[name="${name}"]`);
    const counter = panel.querySelector(".social-counter");
    const problems = panel.querySelector(".social-problems");
    let timer = null;
    const refresh = () => {
      const query = new URLSearchParams({
        title: field("title") ? field("title").value : "",
        standfirst: field("standfirst") ? field("standfirst").value : "",
        social_text: area.value,
        hashtags: field("hashtags") ? field("hashtags").value : "",
        language: document.documentElement.lang || "en",
      });
      fetch(`${panel.dataset.socialPreview}?${query}`, { credentials: "same-origin" })
        .then((response) => response.json())
        .then((data) => {
          panel.querySelectorAll(".social-post").forEach((post) => {
            post.querySelector(".social-post-text").textContent = data[post.dataset.network].text;
          });
          counter.querySelector(".n").textContent = data.x.length;
          counter.querySelector(".limit").textContent = data.x.limit;
          counter.classList.toggle("over", !data.x.fits);
          problems.replaceChildren(...data.problems.map((text) => { const li = document.createElement("li"); li.textContent = text; return li; }));
        });
    };
    const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 150); };
    ["title", "standfirst", "hashtags"].forEach((name) => { if (field(name)) field(name).addEventListener("input", later); });
    area.addEventListener("input", later);
    refresh();
  });
  }
})();
