// Added by `schoolcollab preview` to the pages it serves (never to the published book): it asks the
// preview how the last build went, reloads the page once a newer build is published, and lists a failed
// build's problems over the page, which stays the last good build.
(() => {
  "use strict";
  const STATE = "/__preview/state";
  const ID = "schoolcollab-preview-problems";
  const script = document.currentScript;
  const shown = Number(script ? script.dataset.generation : 0);

  function show(messages) {
    let box = document.getElementById(ID);
    if (!box) {
      box = document.createElement("section");
      box.id = ID;
      box.setAttribute("role", "alert");
      box.setAttribute("aria-label", "Preview: the last build failed");
      // dark red on white would do too; white on near-black keeps well above 4.5:1 on any page theme
      box.style.cssText =
        "position:fixed;left:0;right:0;bottom:0;z-index:2147483647;max-height:50vh;overflow:auto;" +
        "margin:0;padding:1rem 1.5rem;background:#1b1b1b;color:#ffffff;border-top:4px solid #ff6b6b;" +
        "font:15px/1.5 system-ui,sans-serif;box-shadow:0 -2px 8px rgba(0,0,0,.4)";
      document.body.appendChild(box);
    }
    const heading = document.createElement("h2");
    heading.style.cssText = "margin:0 0 .5rem;font-size:1.1rem;color:#ffffff";
    heading.textContent = "The last build failed; this page is from the last good build.";
    const list = document.createElement("ul");
    list.style.cssText = "margin:0;padding-left:1.25rem;font-family:ui-monospace,monospace;font-size:14px";
    for (const message of messages) {
      const item = document.createElement("li");
      item.textContent = message; // an author's text, shown as text
      list.appendChild(item);
    }
    box.replaceChildren(heading, list);
  }

  function hide() {
    const box = document.getElementById(ID);
    if (box) box.remove();
  }

  // The preview holds each request open until something changes (or for 20 s), so a page hears of a
  // build as it ends; after an error (the preview stopping or restarting) it asks again a second later.
  async function poll(after) {
    let seen = after;
    try {
      const query = after === null ? "" : "?after=" + after;
      const response = await fetch(STATE + query, { cache: "no-store" });
      const state = await response.json();
      if (state.generation !== shown) {
        location.reload();
        return;
      }
      if (state.status === "failed") show(state.messages);
      else if (state.status === "ok") hide();
      seen = state.version;
    } catch (error) {
      setTimeout(() => poll(null), 1000);
      return;
    }
    setTimeout(() => poll(seen), 0);
  }

  poll(null);
})();
