// The palette of an image by an npm peer, printed as JSON [[r, g, b], ...].
// Usage: node bench/peers.js colorthief|vibrant IMAGE K   (NODE_PATH: the peers' scratch folder)
const [tool, image, k] = process.argv.slice(2);

async function palette() {
  if (tool === 'colorthief') {
    const ColorThief = require('colorthief');
    return ColorThief.getPalette(image, Number(k));
  }
  const Vibrant = require('node-vibrant');
  const swatches = await Vibrant.from(image).getPalette();
  return Object.values(swatches).filter(Boolean).map((s) => s.getRgb().map(Math.round));
}

palette().then((p) => console.log(JSON.stringify(p)), (e) => {
  console.error(String(e));
  process.exit(1);
});
