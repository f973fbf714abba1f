// <spatialInformation> (RFC 8846 section 11.5):
//
//   spatialInformationType: captureOrigin? captureArea? ##other*        @##other
//   captureOriginType:      capturePoint lineOfCapturePoint?            @##any
//   captureAreaType:        bottomLeft bottomRight topLeft topRight
//   pointType:              x y z                                       (xs:decimal)

extension SpatialInformation {
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, wildcard: .other(targetNamespace: XMLNamespace.clueInfo))
        var cursor = try ChildCursor(element)
        let origin = try cursor.optional("captureOrigin").map { e throws(CLUEDecodingError) in
            try CaptureOrigin(element: e)
        }
        let area = try cursor.optional("captureArea").map { e throws(CLUEDecodingError) in
            try CaptureArea(element: e)
        }
        let extensions = cursor.extensions()
        try cursor.finish()
        self.init(captureOrigin: origin, captureArea: area, extensions: extensions,
                  extensionAttributes: attributes.extensions)
    }

    func element() -> XMLElement {
        var children: [XMLElement] = []
        if let captureOrigin { children.append(captureOrigin.element()) }
        if let captureArea { children.append(captureArea.element()) }
        return .parent(CLUEName.info("spatialInformation"), attributes: extensionAttributes, children + extensions)
    }
}

extension CaptureOrigin {
    public init(element: XMLElement) throws(CLUEDecodingError) {
        let attributes = try AttributeReader(element, wildcard: .any)
        var cursor = try ChildCursor(element)
        let capturePoint = try Point(element: cursor.required("capturePoint"))
        let line = try cursor.optional("lineOfCapturePoint").map { e throws(CLUEDecodingError) in
            try Point(element: e)
        }
        try cursor.finish()
        self.init(capturePoint: capturePoint, lineOfCapturePoint: line, extensionAttributes: attributes.extensions)
    }

    func element() -> XMLElement {
        var children = [capturePoint.element(named: "capturePoint")]
        if let lineOfCapturePoint { children.append(lineOfCapturePoint.element(named: "lineOfCapturePoint")) }
        return .parent(CLUEName.info("captureOrigin"), attributes: extensionAttributes, children)
    }
}

extension CaptureArea {
    public init(element: XMLElement) throws(CLUEDecodingError) {
        _ = try AttributeReader(element)
        var cursor = try ChildCursor(element)
        let bottomLeft = try Point(element: cursor.required("bottomLeft"))
        let bottomRight = try Point(element: cursor.required("bottomRight"))
        let topLeft = try Point(element: cursor.required("topLeft"))
        let topRight = try Point(element: cursor.required("topRight"))
        try cursor.finish()
        self.init(bottomLeft: bottomLeft, bottomRight: bottomRight, topLeft: topLeft, topRight: topRight)
    }

    func element() -> XMLElement {
        .parent(CLUEName.info("captureArea"), [
            bottomLeft.element(named: "bottomLeft"), bottomRight.element(named: "bottomRight"),
            topLeft.element(named: "topLeft"), topRight.element(named: "topRight"),
        ])
    }
}

extension Point {
    public init(element: XMLElement) throws(CLUEDecodingError) {
        _ = try AttributeReader(element)
        var cursor = try ChildCursor(element)
        let context = cursor.context
        let x = try SimpleContent.decimal(cursor.required("x"), in: context)
        let y = try SimpleContent.decimal(cursor.required("y"), in: context)
        let z = try SimpleContent.decimal(cursor.required("z"), in: context)
        try cursor.finish()
        self.init(x: x, y: y, z: z)
    }

    func element(named local: String) -> XMLElement {
        let name = CLUEName.info
        return .parent(name(local), [.text(name("x"), x.canonical), .text(name("y"), y.canonical),
                                     .text(name("z"), z.canonical)])
    }
}
