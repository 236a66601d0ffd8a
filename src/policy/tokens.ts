// Control tokens of the simulator policy's vocabulary (shared by the chat template, the tokenizer
// generator and the client that runs checkpoints offline).
export const PAD = '[PAD]';
export const UNK = '[UNK]';
export const BOS = '[BOS]';
/** Ends the prompt: what follows is the completion. */
export const SEP = '[SEP]';
/** Ends the completion (after 1..max actions). */
export const END = '[END]';
export const SPECIAL_TOKENS = [PAD, UNK, BOS, SEP, END] as const;
