/** The policy engine's public surface: parse, match, conditions, catalogue, evaluate. */
export * from "./tri.js";
export * from "./request-context.js";
export * from "./operators.js";
export * from "./match.js";
export * from "./conditions.js";
export * from "./parse.js";
export * from "./catalogue.js";
export * from "./evaluate.js";
export * from "./readings.js";
