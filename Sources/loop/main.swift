import LoopCLI
import LoopCore

// A synchronous main that hands the work to a task (see `ProcessMain`): no async `main`, whose
// `dispatch_main()` unwinds the main thread at start.
ProcessMain.run { await LoopCommand.runMain() }
