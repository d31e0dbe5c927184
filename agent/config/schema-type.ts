/**
 * Derives a TypeScript type from a JSON Schema declared `as const`, so the schema in schema.ts is
 * the single declaration of the config's shape: change a key there and every reader of the type
 * sees it at compile time. Only the keywords schema.ts uses are understood.
 *
 * A property is present in the resolved type when it is `required`, has a `default` (ajv fills
 * it in) or a `runtimeDefault` (loadConfig fills it in); every other property is optional.
 */

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ScalarOf<T> = T extends 'string'
  ? string
  : T extends 'integer' | 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'null'
        ? null
        : never;

type PresentKeys<P, R> = {
  [K in keyof P]: K extends R ? K : P[K] extends { default: unknown } ? K : P[K] extends { runtimeDefault: string } ? K : never;
}[keyof P];

type ResolveObject<P, R> = Simplify<
  { readonly [K in PresentKeys<P, R>]: FromSchema<P[K]> } & { readonly [K in Exclude<keyof P, PresentKeys<P, R>>]?: FromSchema<P[K]> }
>;

/** The TypeScript type of values valid against schema `S` (after defaults are applied). */
export type FromSchema<S> = S extends { enum: readonly (infer E)[] }
  ? E
  : S extends { type: 'array'; items: infer I }
    ? readonly FromSchema<I>[]
    : S extends { type: 'object'; properties: infer P }
      ? ResolveObject<P, S extends { required: readonly (infer R)[] } ? R : never>
      : S extends { type: readonly (infer T)[] }
        ? ScalarOf<T>
        : S extends { type: infer T }
          ? ScalarOf<T>
          : unknown;

/** Every key optional at every depth: what one layer (profile, file, environment, flags) may give. */
export type DeepPartial<T> = T extends readonly (infer _I)[]
  ? T
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;
