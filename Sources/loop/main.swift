import LoopCLI

await LoopCommand.runMain()
