// Institution picker: search as you type against /realms/{realm}/institutions, keyboard navigation, and choices
// posted back to the login step (which records "recently used" and "remember my choice" in HttpOnly cookies).
// Without this script the page still works: the search form posts back and result links go to the broker.

const picker = document.getElementById("sg-picker");

if (picker) {
  const form = document.getElementById("sg-picker-form");
  const input = document.getElementById("sg-query");
  const list = document.getElementById("sg-results");
  const status = document.getElementById("sg-status");
  const pages = document.getElementById("sg-pages");
  const previous = document.getElementById("sg-previous");
  const next = document.getElementById("sg-next");
  const pageOf = document.getElementById("sg-page-of");
  const { searchUrl, brokerUrlTemplate, aliasPlaceholder } = picker.dataset;
  const messages = {
    count: picker.dataset.msgCount,
    none: picker.dataset.msgNone,
    page: picker.dataset.msgPage,
    failed: picker.dataset.msgFailed,
  };
  let page = Number(picker.dataset.page) || 1;
  let generation = 0;
  let inFlight;
  // Answers already received on this page, so that correcting a typo shows earlier results without a request.
  const answers = new Map();
  const ANSWERS_KEPT = 50;

  document.getElementById("sg-remember-group").hidden = false;

  const format = (template, ...values) =>
    values.reduce((text, value, index) => text.replace(`{${index}}`, String(value)), template);

  // Rows are clones of the page's own row markup (the FreeMarker macro rendered into this <template>), filled from
  // the JSON; logo URLs arrive resolved by the server.
  const rowTemplate = document.getElementById("sg-result-template").content.firstElementChild;

  function resultItem(item) {
    const li = rowTemplate.cloneNode(true);
    const field = (name) => li.querySelector(`[data-field="${name}"]`);
    const link = li.querySelector("a.sg-institution");
    link.id = `social-${item.alias}`;
    link.dataset.alias = item.alias;
    link.href = brokerUrlTemplate.replace(aliasPlaceholder, encodeURIComponent(item.alias));
    if (item.logoUrl) {
      field("logo").src = item.logoUrl;
      field("initial").remove();
    } else {
      field("logo").remove();
      field("initial").textContent = item.initial;
    }
    field("name").textContent = item.name;
    if (item.domains && item.domains.length) {
      field("domains").textContent = item.domains.join(", ");
    } else {
      field("domains").remove();
    }
    if (!item.recent) {
      field("recent").remove();
    }
    return li;
  }

  function render(query, result) {
    list.replaceChildren(...result.items.map(resultItem));
    list.dataset.query = query;
    list.removeAttribute("aria-busy");
    status.textContent = result.total === 0 ? messages.none : format(messages.count, result.total);
    page = result.page;
    pages.hidden = result.pageCount <= 1;
    previous.disabled = result.page <= 1;
    next.disabled = result.page >= result.pageCount;
    previous.value = String(result.page - 1);
    next.value = String(result.page + 1);
    pageOf.textContent = format(messages.page, result.page, result.pageCount);
  }

  // Every keystroke searches at once (no debounce: results follow the typing); a newer search aborts the request
  // of an older one, and an answer that arrives after a newer search started is never shown.
  async function search(wantedPage) {
    const current = ++generation;
    const query = input.value.trim();
    const key = `${wantedPage} ${query}`;
    if (inFlight) {
      inFlight.abort();
      inFlight = undefined;
    }
    const known = answers.get(key);
    if (known) {
      render(query, known);
      return;
    }
    const url = new URL(searchUrl, window.location.href);
    url.searchParams.set("q", query);
    url.searchParams.set("page", String(wantedPage));
    const request = new AbortController();
    inFlight = request;
    list.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: request.signal,
      });
      if (!response.ok) {
        throw new Error(`search answered ${response.status}`);
      }
      const result = await response.json();
      if (answers.size >= ANSWERS_KEPT) {
        answers.delete(answers.keys().next().value);
      }
      answers.set(key, result);
      if (current === generation) {
        render(query, result);
      }
    } catch (error) {
      if (current === generation && error.name !== "AbortError") {
        list.removeAttribute("aria-busy");
        status.textContent = messages.failed;
      }
    } finally {
      if (inFlight === request) {
        inFlight = undefined;
      }
    }
  }

  input.addEventListener("input", () => search(1));

  // The form stays the no-JavaScript path; with JavaScript, searching and paging happen in place.
  form.addEventListener("submit", (event) => {
    const submitter = event.submitter;
    if (submitter && (submitter.name === "local" || submitter.name === "forget")) {
      return;
    }
    event.preventDefault();
    search(submitter && submitter.name === "page" ? Number(submitter.value) : 1);
  });

  function choose(link) {
    const choice = document.createElement("input");
    choice.type = "hidden";
    choice.name = "institution";
    choice.value = link.dataset.alias;
    form.append(choice);
    link.setAttribute("aria-disabled", "true");
    HTMLFormElement.prototype.submit.call(form);
  }

  list.addEventListener("click", (event) => {
    const link = event.target.closest("a.sg-institution");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
      return;
    }
    event.preventDefault();
    if (link.getAttribute("aria-disabled") !== "true") {
      choose(link);
    }
  });

  const links = () => Array.from(list.querySelectorAll("a.sg-institution"));

  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      const first = links()[0];
      if (first) {
        event.preventDefault();
        first.focus();
      }
    } else if (event.key === "Escape" && input.value) {
      event.preventDefault();
      input.value = "";
      search(1);
    }
  });

  list.addEventListener("keydown", (event) => {
    const all = links();
    const index = all.indexOf(document.activeElement);
    if (index < 0) {
      return;
    }
    let target;
    if (event.key === "ArrowDown") {
      target = all[Math.min(index + 1, all.length - 1)];
    } else if (event.key === "ArrowUp") {
      target = index === 0 ? input : all[index - 1];
    } else if (event.key === "Home") {
      target = all[0];
    } else if (event.key === "End") {
      target = all[all.length - 1];
    } else if (event.key === "Escape") {
      target = input;
    } else if (event.key === " ") {
      event.preventDefault();
      choose(all[index]);
      return;
    }
    if (target) {
      event.preventDefault();
      target.focus();
    }
  });
}
