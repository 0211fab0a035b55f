/**
 * Vercel AI SDK adapters: `remember`, `recall` and `forget` tools over an Engram store.
 * Needs the optional peer dependencies `ai` and `zod`.
 * @packageDocumentation
 */
export {
  engramTools,
  type EngramTool,
  type EngramTools,
  type EngramToolsOptions,
  type RememberOutput,
  type RecalledMemory,
  type ToolMemory,
} from './tools';
