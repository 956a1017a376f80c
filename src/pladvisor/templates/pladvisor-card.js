// <pladvisor-card src="https://advice.example.org/embed/TOKEN"> shows a school's readiness card in a portal's page.
//
// By default it reads the card as JSON (src + ".json") and writes it into its shadow root, in the portal's own
// fonts and colours (the text inherits them; each part carries a `part` name to style with ::part()). With the
// `frame` attribute it frames the card page instead and takes the height the page reports. No framework, no
// build step, no cookie: the signed token in `src` is the only permission, and it works from the link's
// origins only.
const STAGE_WORDS = {
  undetermined: "Not yet determined",
  exploring: "Exploring",
  preparing: "Preparing",
  implementing: "Implementing",
  sustaining: "Sustaining",
};

const STYLE = `
:host { display: block; }
[part~="stage"] { font-weight: 600; }
[part~="muted"] { opacity: 0.75; font-size: 0.9em; }
h3, h4 { margin: 0.8em 0 0.3em; }
ol, ul { margin: 0; padding-left: 1.3em; }
li { margin-bottom: 0.5em; }
iframe { border: 0; width: 100%; display: block; }
`;

function element(tag, text, part) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (part) node.setAttribute("part", part);
  return node;
}

class PladvisorCard extends HTMLElement {
  static get observedAttributes() {
    return ["src", "frame"];
  }

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._onMessage = this._onMessage.bind(this);
    this._generation = 0;
  }

  connectedCallback() {
    window.addEventListener("message", this._onMessage);
    this._render();
  }

  disconnectedCallback() {
    window.removeEventListener("message", this._onMessage);
  }

  attributeChangedCallback(name, before, after) {
    if (this.isConnected && before !== after) this._render();
  }

  _onMessage(event) {
    const frame = this.shadowRoot.querySelector("iframe");
    if (!frame || event.source !== frame.contentWindow) return;
    if (event.origin !== new URL(this.getAttribute("src"), document.baseURI).origin) return;
    const height = event.data && event.data.type === "pladvisor:height" ? Number(event.data.height) : NaN;
    if (Number.isFinite(height) && height > 0 && height < 20000) frame.style.height = `${height}px`;
  }

  _render() {
    // A card read for an earlier src (or an earlier connection) is dropped when it arrives.
    const generation = ++this._generation;
    const src = this.getAttribute("src");
    const root = this.shadowRoot;
    root.replaceChildren(element("style", STYLE));
    if (!src) return;
    if (this.hasAttribute("frame")) {
      const frame = element("iframe", undefined, "frame");
      frame.title = this.getAttribute("title") || "Personalized-learning readiness";
      frame.src = src;
      frame.style.height = "480px";
      root.append(frame);
      return;
    }
    const status = element("p", "Loading the readiness card…", "muted");
    root.append(status);
    fetch(`${src}.json`, { credentials: "omit", referrerPolicy: "no-referrer" })
      .then(async (response) => {
        const body = await response.json();
        if (generation !== this._generation) return;
        if (!response.ok) throw new Error(body.detail || `The card could not be read (${response.status}).`);
        status.remove();
        this._card(body);
      })
      .catch((error) => {
        if (generation !== this._generation) return;
        status.textContent = error instanceof TypeError ? "The card could not be read from this page." : error.message;
        this.dispatchEvent(new CustomEvent("pladvisor-error", { detail: status.textContent }));
      });
  }

  _card(card) {
    const root = this.shadowRoot;
    const box = element("section", undefined, "card");
    box.append(element("h3", card.school, "school"));
    if (card.stage) {
      const line = element("p");
      line.append(element("span", STAGE_WORDS[card.stage] || card.stage, `stage ${card.stage}`));
      if (card.score !== null) line.append(` · readiness ${card.score} / 100`);
      box.append(line);
      if (card.provisional && card.lowest_stage !== card.possible_stage) {
        box.append(
          element(
            "p",
            `Provisional: between ${card.lowest_stage} and ${card.possible_stage}, depending on the questions still open.`,
            "muted range",
          ),
        );
      }
    }
    box.append(element("p", card.verdict, "verdict"));
    if (card.now.length) {
      box.append(element("h4", "What to do now"));
      const list = element("ol", undefined, "steps");
      for (const step of card.now) {
        const item = element("li");
        item.append(element("strong", step.title), " ", element("span", `(${step.basis})`, "muted"));
        item.append(element("p", step.why));
        list.append(item);
      }
      box.append(list);
    }
    if (card.strengths.length) {
      box.append(element("h4", "Strengths"));
      const list = element("ul", undefined, "strengths");
      for (const strength of card.strengths) list.append(element("li", strength));
      box.append(list);
    }
    if (card.assessed_on) {
      box.append(element("p", `Assessed on ${card.assessed_on} · rule catalog ${card.catalog_version}`, "muted"));
    }
    root.append(box);
    this.dispatchEvent(new CustomEvent("pladvisor-ready", { detail: { stage: card.stage } }));
  }
}

if (!customElements.get("pladvisor-card")) customElements.define("pladvisor-card", PladvisorCard);
