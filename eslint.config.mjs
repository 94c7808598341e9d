import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

export default tseslint.config(
  { ignores: ["dist/", "sim/dist/", "node_modules/", ".data/", "coverage/", "**/*.html"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        __dirname: "readonly",
        console: "readonly",
      },
    },
  },
  {
    // The editor script runs in Node-RED's editor page: jQuery and RED are its globals.
    files: ["resources/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: { $: "readonly", RED: "readonly", window: "readonly", setTimeout: "readonly" },
    },
  },
);
