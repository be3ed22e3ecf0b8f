await ServeMain.run()
