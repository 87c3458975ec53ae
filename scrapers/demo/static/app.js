// Demo News front end: everything a reader sees is built here, after load.
(function () {
  "use strict";
  var app = document.getElementById("app");
  var slug = app.dataset.slug;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function topbar() {
    document.querySelector(".datebar .date").textContent = new Date().toLocaleDateString("en-US", {
      weekday: "long", year: "numeric", month: "long", day: "numeric"
    });
    // A cache-buster that differs on every load, as many sites add: replays must ignore it.
    var buster = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    fetch("/api/weather.json?_=" + buster).then(function (r) { return r.json(); }).then(function (w) {
      document.querySelector(".weather .temp").textContent = w.temp;
      document.querySelector(".weather .city").textContent = w.city;
    });
  }

  function story(s) {
    app.textContent = "";
    var crumbs = el("nav", { "class": "breadcrumb" });
    crumbs.appendChild(el("a", { href: "/" }, "Home"));
    crumbs.appendChild(document.createTextNode(" › "));
    crumbs.appendChild(el("span", { "class": "crumb-title" }, s.headline));
    app.appendChild(crumbs);

    var art = el("article", { "class": "story", "data-slug": s.slug });
    art.appendChild(el("h1", { "class": "headline" }, s.headline));
    var meta = el("div", { "class": "meta" });
    if (s.authors.length) {
      var by = el("span", { "class": "byline" }, "By ");
      s.authors.forEach(function (a, i) {
        if (i) by.appendChild(document.createTextNode(" and "));
        by.appendChild(el("a", { rel: "author", href: "/author/" + a.toLowerCase().replace(/ /g, "-") }, a));
      });
      meta.appendChild(by);
    }
    meta.appendChild(el("time", { "class": "published", datetime: s.published }, s.published_label));
    meta.appendChild(el("a", { "class": "section", href: "/section/" + s.section.toLowerCase() }, s.section));
    art.appendChild(meta);
    if (s.summary) art.appendChild(el("p", { "class": "standfirst" }, s.summary));
    if (s.image) {
      var fig = el("figure", { "class": "lead-image" });
      fig.appendChild(el("img", { src: s.image.src, alt: "" }));
      var cap = el("figcaption");
      cap.appendChild(el("span", { "class": "caption" }, s.image.caption));
      cap.appendChild(el("span", { "class": "credit" }, s.image.credit));
      fig.appendChild(cap);
      art.appendChild(fig);
    }
    var share = el("div", { "class": "share-bar" }, "Share: ");
    ["X", "Facebook", "WhatsApp"].forEach(function (n) { share.appendChild(el("a", { href: "#share-" + n }, n)); });
    art.appendChild(share);
    var body = el("div", { "class": "article-body" });
    s.blocks.forEach(function (b) {
      if (b.kind === "p") body.appendChild(el("p", {}, b.text));
      else if (b.kind === "h2") body.appendChild(el("h2", {}, b.text));
      else if (b.kind === "promo") body.appendChild(el("aside", { "class": "promo" }, b.text));
      else if (b.kind === "newsletter") {
        var box = el("div", { "class": "newsletter" });
        box.appendChild(el("p", {}, b.text));
        box.appendChild(el("button", { type: "button" }, "Sign up"));
        body.appendChild(box);
      }
    });
    art.appendChild(body);
    if (s.source_url) art.appendChild(el("a", { "class": "source-link", href: s.source_url }, "Go to Source"));
    if (s.tags.length) {
      var tags = el("ul", { "class": "tags" });
      s.tags.forEach(function (t) {
        var li = el("li");
        li.appendChild(el("a", { href: "/tag/" + t }, t));
        tags.appendChild(li);
      });
      art.appendChild(tags);
    }
    app.appendChild(art);
    // Keeps the widgets below the fold, as on the real site, so they load only on scroll.
    app.appendChild(el("div", { "class": "ad-slot" }, "Advertisement"));
    var titles = { hot_this_week: "Hot this week", topics: "Topics", related_articles: "Related Articles" };
    s.widgets.forEach(function (name) {
      var sec = el("section", { "class": "widget", "data-widget": name });
      sec.appendChild(el("h2", { "class": "widget-title" }, titles[name] || name));
      sec.appendChild(el("div", { "class": "widget-items" }));
      app.appendChild(sec);
    });
    lazyWidgets();
  }

  function teaser(item) {
    var t = el("article", { "class": "teaser" });
    var link = el("a", { "class": "teaser-link", href: item.url });
    link.appendChild(el("img", { src: item.image, alt: "" }));
    link.appendChild(el("h3", { "class": "teaser-title" }, item.title));
    t.appendChild(link);
    t.appendChild(el("time", { datetime: item.published }));
    t.appendChild(el("p", { "class": "teaser-summary" }, item.summary));
    t.appendChild(el("a", { "class": "read-more", href: item.url }, "Read More"));
    return t;
  }

  function lazyWidgets() {
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (!e.isIntersecting) return;
        var sec = e.target;
        seen.unobserve(sec);
        fetch("/api/widget/" + sec.dataset.widget + "?slug=" + encodeURIComponent(slug))
          .then(function (r) { return r.json(); })
          .then(function (data) {
            var box = sec.querySelector(".widget-items");
            data.items.forEach(function (item) { box.appendChild(teaser(item)); });
            sec.setAttribute("data-loaded", "true");
          });
      });
    });
    document.querySelectorAll("section.widget").forEach(function (s) { seen.observe(s); });
  }

  function load() {
    fetch("/api/story/" + encodeURIComponent(slug) + ".json")
      .then(function (r) { return r.json(); })
      .then(story);
  }

  topbar();
  if (document.cookie.indexOf("consent=yes") >= 0) {
    load();
  } else {
    var overlay = document.getElementById("consent");
    overlay.hidden = false;
    document.getElementById("consent-accept").addEventListener("click", function () {
      document.cookie = "consent=yes; path=/";
      overlay.hidden = true;
      load();
    });
  }
})();
