// ESLint: the TypeScript rules, type-aware, and what the construct library must not do.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noCdktfInstanceof = {
  selector: 'BinaryExpression[operator="instanceof"][right.name=/^(Terraform|App$|Token|Testing$|Lazy$|Aspects$|S3Backend$|LocalBackend$)/]',
  message: "use cdktf's static type guards (TerraformResource.isTerraformResource, TerraformStack.isStack): instanceof fails across copies of cdktf",
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdktf.out/**', 'cdktf.out.hcl/**', 'dist/**', '.gen/**', '.build/**', '__tests__/recorded/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Unused parameters and locals are type errors already (tsconfig); `_`-prefixed ones are deliberate.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // An interface that extends one other is how a construct library names its options (aws-cdk's XxxOptions).
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    // Two copies of cdktf can meet in one app (under the CDK Terrain fork the provider package requires `cdktn`, the
    // app `cdktf`): `instanceof` fails across copies, cdktf's static type guards (Symbol.for) do not.
    files: ['**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', noCdktfInstanceof],
    },
  },
  {
    // The construct library is imported by other apps: it reads no environment and is built as CommonJS.
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'lib/ reads no environment variables: take a prop.' }],
      'no-restricted-syntax': ['error', noCdktfInstanceof, { selector: 'MetaProperty[meta.name="import"]', message: 'lib/ is built as CommonJS: no import.meta.' }],
    },
  },
  {
    files: ['__tests__/**/*.ts'],
    rules: {
      // cdktf's matchers and parsed JSON are untyped: tests read them as `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The command line requires each command's module when it runs, so `--help` and `check` never load the AWS SDK:
    // a dynamic import() would leave tsx's CommonJS hook, and cdktf is CommonJS.
    files: ['cli/main.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }] },
  },
  {
    // iam-simulate (AGPL) is loaded where npm installed it, only when can-pull runs: never bundled or imported. The
    // IAM catalogue's data files are loaded synchronously, service by service, at synth.
    files: ['cli/pull-evaluation.ts', 'lib/aws/iam-catalogue.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Declaration merging of cdktf's matchers into vitest's interfaces takes empty interfaces and its `any`.
    files: ['**/*.d.ts'],
    rules: { '@typescript-eslint/no-empty-object-type': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.mjs', '**/*.cjs', 'bin/*'], ...tseslint.configs.disableTypeChecked },
);
