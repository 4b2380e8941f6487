/**
 * Runs inside Node for linux-arm64 under qemu-user (through `--import`, from NODE_OPTIONS, so in
 * every Node process of the lane): makes `process.execPath` the lane's wrapper script, which
 * starts the same arm64 Node under qemu-aarch64.
 *
 * qemu-user hands `execve` to the host kernel, which cannot run an arm64 binary without a
 * binfmt_misc registration (a machine-wide setting the lane does not make). Every Node process a
 * test starts, vitest's workers included, is started as `process.execPath`; through the wrapper
 * it runs on the same arm64 Node, under qemu, like the test itself. Nothing else changes.
 */
const wrapper = process.env.ARM64_LANE_NODE;
if (!wrapper) throw new Error('ARM64_LANE_NODE is not set: run this through lanes/arm64.mjs');
process.execPath = wrapper;
