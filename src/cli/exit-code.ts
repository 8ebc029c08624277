/** The exit code a command chose (1 when a task or run it ran failed); 0 unless set. */
export const ExitCode = {
  current: 0,
  set(code: number): void {
    this.current = Math.max(this.current, code);
  },
};
