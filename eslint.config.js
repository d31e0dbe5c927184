// Lint rules that catch what review misses, with type information (typescript-eslint's
// recommendedTypeChecked): a floating promise here is a lost result, an unnecessary cast hides a
// type that changed under it, and an object stringified as `[object Object]` is a useless log line.
import tseslint from 'typescript-eslint';

const typed = ['agent/**/*.ts', 'test/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tap/**', 'bin/**', 'greengrass/.cache/**', '.bench-dist/**'] },
  ...tseslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked.map((c) => ({ ...c, files: typed })),
  {
    files: typed,
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // onnx-proto's 64-bit integers are protobufjs `Long`s, whose type the linter cannot resolve;
    // the quantizer passes them through `toNumber`, which accepts both numbers and Longs.
    files: ['agent/quantize/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-argument': 'off' },
  },
  {
    // tap awaits every subtest itself; `t.test(...)` at top level is its documented form, and a
    // subtest is written `async` whether or not it awaits.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/require-await': 'off' },
  },
);
