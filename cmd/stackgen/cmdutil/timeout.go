package cmdutil

// TimeoutUsageID is the catalogue entry of the --timeout help of every
// command that waits for a stack to be ready (up, restore, deploy
// --bundle).
const TimeoutUsageID = "up.flag.timeout"
