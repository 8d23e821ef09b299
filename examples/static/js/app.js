// Proves the assets arrived: the computed style of the title and the image's natural width.
window.addEventListener("load", () => {
  const color = getComputedStyle(document.getElementById("title")).color;
  const width = document.getElementById("logo").naturalWidth;
  document.getElementById("status").textContent = `color=${color} width=${width}`;
});
