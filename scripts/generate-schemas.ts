// Writes the JSON Schemas in docs/ from the zod schemas the server validates with.
import { writeFileSync } from "node:fs";
import { renderSchemas } from "../src/schemas-json.js";

for (const [file, text] of Object.entries(renderSchemas())) {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
