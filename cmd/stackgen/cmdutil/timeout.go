package cmdutil

// TimeoutUsage is the --timeout help of every command that waits for a
// stack to be ready (up, restore, deploy --bundle).
const TimeoutUsage = "how long to wait for every service to be ready: seconds (900) or a duration (15m); default: the stack's own start time (onyx 30m, keras 10m), " + "5m for a plain compose project"
