print("occam")
