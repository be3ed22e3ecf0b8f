import LoopCore
