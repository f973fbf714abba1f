// The six advertisement lists, shared by <clueInfo> (RFC 8846 section 23) and the advertisement message
// (RFC 8847 section 5.3):
//
//   mediaCaptures encodingGroups captureScenes simultaneousSets? globalViews? people?
//
// In <clueInfo> the wrappers are global elements of the data model; in a message they are local elements of the
// protocol schema, so in the protocol namespace. Their items are always in the data-model namespace.

extension Advertisement {
    /// Reads the lists from `cursor`, leaving what follows them (extensions) to the caller.
    package init(reading cursor: inout ChildCursor) throws(CLUEDecodingError) {
        var captures: [MediaCapture] = []
        for item in try ListWrapper.items(of: cursor.required("mediaCaptures"), named: "mediaCapture") {
            captures.append(try MediaCapture(element: item))
        }
        var groups: [EncodingGroup] = []
        for item in try ListWrapper.items(of: cursor.required("encodingGroups"), named: "encodingGroup") {
            groups.append(try EncodingGroup(element: item))
        }
        var scenes: [CaptureScene] = []
        for item in try ListWrapper.items(of: cursor.required("captureScenes"), named: "captureScene") {
            scenes.append(try CaptureScene(element: item))
        }
        var sets: [SimultaneousSet]?
        if let wrapper = cursor.optional("simultaneousSets") {
            sets = []
            for item in try ListWrapper.items(of: wrapper, named: "simultaneousSet") {
                sets!.append(try SimultaneousSet(element: item))
            }
        }
        var views: [GlobalView]?
        if let wrapper = cursor.optional("globalViews") {
            views = []
            for item in try ListWrapper.items(of: wrapper, named: "globalView") {
                views!.append(try GlobalView(element: item))
            }
        }
        var people: [Person]?
        if let wrapper = cursor.optional("people") {
            people = []
            for item in try ListWrapper.items(of: wrapper, named: "person") { people!.append(try Person(element: item)) }
        }
        self.init(mediaCaptures: captures, encodingGroups: groups, captureScenes: scenes, simultaneousSets: sets,
                  globalViews: views, people: people)
    }

    /// The list elements, wrappers in `containerNamespace` and items in the data-model namespace. Empty optional
    /// lists are left out. The model must be schema-valid (the document encoders check).
    package func listElements(containerNamespace: String) -> [XMLElement] {
        func wrapper(_ local: String, _ items: [XMLElement]) -> XMLElement {
            .parent(XMLName(local, namespace: containerNamespace), items)
        }
        var result = [
            wrapper("mediaCaptures", mediaCaptures.map { $0.element() }),
            wrapper("encodingGroups", encodingGroups.map { $0.element() }),
            wrapper("captureScenes", captureScenes.map { $0.element() }),
        ]
        if let simultaneousSets, !simultaneousSets.isEmpty {
            result.append(wrapper("simultaneousSets", simultaneousSets.map { $0.element() }))
        }
        if let globalViews, !globalViews.isEmpty {
            result.append(wrapper("globalViews", globalViews.map { $0.element() }))
        }
        if let people, !people.isEmpty {
            result.append(wrapper("people", people.map { $0.element() }))
        }
        return result
    }
}
