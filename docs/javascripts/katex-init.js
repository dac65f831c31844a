// Render the math that pymdownx.arithmatex left in .arithmatex elements, with the KaTeX the site
// ships (docs/hooks/katex.py). document$ is mkdocs-material's page-load observable.
document$.subscribe(({ body }) => {
  for (const element of body.querySelectorAll(".arithmatex")) {
    renderMathInElement(element, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  }
});
