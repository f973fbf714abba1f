import CLUEModel

extension Conference {
    /// The configure the bridge, as Media Consumer, sends `participant` (RFC 8845 section 9, RFC 8847 section 5.5):
    /// the participant's captures that some other participant's configured capture, the mixer or a SoundLevel
    /// policy needs, and only those, each in an encoding of the capture's encoding group. Captures are taken in
    /// order of need (the mixer's audio, then the center camera, the other main cameras, then captures configured
    /// one by one) and a capture is left out when adding it would break the advertisement's simultaneous sets or
    /// encoding groups (checked with `issues(configuring:)`), or the group's `maxGroupBandwidth` where the
    /// participant's encoding bandwidths are known (`encodingBandwidths`, from its SDP).
    ///
    /// Nil when the participant advertised nothing (a plain SIP endpoint) or nothing of it is needed.
    public func configure(of participant: String,
                          encodingBandwidths: [String: UInt64] = [:]) -> [CaptureEncoding]? {
        guard let sender = self.participant(participant), let advertisement = sender.advertisement,
              let sources = sources(of: participant) else { return nil }
        let needed = neededCaptures(of: sources)
        guard !needed.isEmpty else { return nil }

        let groups = Dictionary(advertisement.encodingGroups.map { ($0.encodingGroupID, $0) },
                                uniquingKeysWith: { a, _ in a })
        let captures = Dictionary(advertisement.mediaCaptures.map { ($0.captureID, $0) },
                                  uniquingKeysWith: { a, _ in a })
        var chosen: [CaptureEncoding] = []
        var used = Set<String>()
        var groupLoad: [String: UInt64] = [:]
        for captureID in needed {
            guard let groupID = captures[captureID]?.encodingGroupID, let group = groups[groupID] else { continue }
            for encodingID in group.encodingIDs where !used.contains(encodingID) {
                let bandwidth = encodingBandwidths[encodingID] ?? 0
                if groupLoad[groupID, default: 0] + bandwidth > group.maxGroupBandwidth { continue }
                let candidate = CaptureEncoding(id: "ce-\(captureID)", captureID: captureID, encodingID: encodingID)
                guard !advertisement.issues(configuring: chosen + [candidate]).containsErrors else { continue }
                chosen.append(candidate)
                used.insert(encodingID)
                groupLoad[groupID, default: 0] += bandwidth
                break
            }
        }
        return chosen.isEmpty ? nil : chosen
    }

    /// The source captures of `sources` that the others' configures need, in order of need, without repeats.
    func neededCaptures(of sources: SiteSources) -> [String] {
        var mixer = false
        var main: Set<String> = []
        var explicit: [String] = []
        for receiver in participants where receiver.id != sources.participant {
            for encoding in effectiveConfigure(of: receiver) {
                let id = encoding.captureID
                if id == SwitchedCaptures.mixedAudioID {
                    mixer = true
                } else if let slot = SwitchedCaptures.slot(id) {
                    // Any site may become the talker: its candidates must already flow, and its audio levels
                    // decide who talks.
                    main.formUnion(SwitchedCaptures.candidates(for: slot, in: sources))
                    mixer = true
                } else if id == SwitchedCaptures.composedID {
                    // Any site may be among the latest speakers.
                    if let center = sources.centerVideo { main.insert(center) }
                } else if id == SwitchedCaptures.roundRobinID {
                    guard let center = sources.centerVideo else { continue }
                    if let subset = encoding.configuredContent,
                       let bridgeID = sources.site.bridgeID(.videoCapture, center),
                       !subset.mediaCaptureIDs.contains(bridgeID) { continue }
                    main.insert(center)
                } else if let capture = sources.sourceCapture(forBridgeID: id) {
                    explicit.append(capture)
                }
            }
        }
        var needed: [String] = []
        if mixer { needed += sources.mixerAudio }
        let center = sources.centerVideo.map { [$0] } ?? []
        needed += (center + sources.mainVideo).filter(main.contains)
        needed += explicit
        var seen = Set<String>()
        return needed.filter { seen.insert($0).inserted }
    }
}
