/** The worker shell's message once its modules are loaded (not part of the training protocol). */
export const SHELL_READY = 'pseudoLabelTime:shellReady';
