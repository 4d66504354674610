// Copies the map libraries' dist files from node_modules into services/web/static/vendor,
// where the app serves them at /static/vendor/... (no CDN at run time). Idempotent.
import { cpSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const vendor = join(here, "..", "services", "web", "static", "vendor");

// [package, file or folder inside the package, target inside vendor/]
const FILES = [
  ["leaflet", "dist/leaflet.js", "leaflet/leaflet.js"],
  ["leaflet", "dist/leaflet.css", "leaflet/leaflet.css"],
  ["leaflet", "dist/images", "leaflet/images"],
  ["leaflet.markercluster", "dist/leaflet.markercluster.js", "markercluster/leaflet.markercluster.js"],
  ["leaflet.markercluster", "dist/MarkerCluster.css", "markercluster/MarkerCluster.css"],
  ["leaflet.markercluster", "dist/MarkerCluster.Default.css", "markercluster/MarkerCluster.Default.css"],
  ["leaflet.heat", "dist/leaflet-heat.js", "heat/leaflet-heat.js"],
];

for (const [pkg, src, dst] of FILES) {
  const from = join(modules, pkg, src);
  if (!existsSync(from)) {
    console.error(`copy-assets: missing ${pkg}/${src}; run npm ci in web/`);
    process.exit(1);
  }
  const to = join(vendor, dst);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true });
}
console.log(`copy-assets: ${FILES.length} entries copied to ${vendor}`);
