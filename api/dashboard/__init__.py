"""The web dashboard served at /dashboard: server-rendered pages (Jinja2 templates) with charts
drawn as inline SVG, so a browser needs no JavaScript, build step or network access."""
