/// A min-heap of (deadline, transaction). Entries are not removed when a transaction's timers change: a popped
/// entry whose deadline no longer matches the transaction's is skipped. Each transaction pushes one entry per
/// timer change, so the heap stays proportional to the live timers.
struct DeadlineQueue: Sendable {
    struct Entry: Sendable {
        var deadline: ContinuousClock.Instant
        var id: TransactionID
    }

    private var heap: [Entry] = []

    var isEmpty: Bool { heap.isEmpty }
    var first: Entry? { heap.first }

    mutating func push(_ deadline: ContinuousClock.Instant, _ id: TransactionID) {
        heap.append(Entry(deadline: deadline, id: id))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func pop() -> Entry? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
