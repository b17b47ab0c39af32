// Each test class starts its own broker process and drives CPU-heavy clients: two at a time suit
// the 2-core CI machine.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
