// Stand-in for `sharp` inside the compiled binary. transformers.js imports sharp at module load
// (for image pipelines we never use) and refuses a falsy module, so this must be a function.
function sharp(): never {
  throw new Error('image processing (sharp) is not available in the synth-rl binary');
}
export default sharp;
