// Lint for the TypeScript sources (lib/, kernel/, test/): typescript-eslint's type-aware recommended rules.
// Formatting is prettier's job (`npm run lint` runs both), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'out/', 'site/', 'test/support/vendor/', 'notebooks/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Error messages print tensor shapes and name lists as `${shape}` → "4,5" (deliberate, readable), and an
      // exhaustive switch's default reports the `never` value an untyped caller (JS, a JSON config) passed anyway.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowArray: true, allowNever: true }],
      // The code compiles to CommonJS, and its require() calls are the deliberate ones: paths computed at run time
      // (package.json at the package root, dist/lib from the kernel) and optional or untyped modules loaded only
      // when used. Their results are cast to a declared shape, which the no-unsafe-* rules hold them to.
      '@typescript-eslint/no-require-imports': 'off',
      // An async function without await still turns a throw into a rejection, which the interfaces implemented
      // here (tfjs IOHandler.save, a command's main) promise their callers; dropping `async` would change that.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read untyped data on purpose: Jupyter replies off the wire, notebook JSON on disk, and the float64
      // references' nested arrays whose depth varies per case. The assertions are what check their shape, so a
      // declared type there would be an unchecked cast. lib/ and kernel/ keep these rules.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // node:test's test()/describe()/it() return promises that the runner itself awaits and reports.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
    },
  },
  { files: ['**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
);
