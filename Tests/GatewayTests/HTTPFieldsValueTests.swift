import HTTPTypes
import Testing
@testable import GatewayApp
@testable import Outbound

@Suite("Header look-up on the ingest path")
struct HTTPFieldsValueTests {
    @Test("value(_:) gives what the subscript gives: one field, a repeated field, a cookie, none, any case of the name")
    func sameAsSubscript() {
        var fields = HTTPFields()
        fields.append(HTTPField(name: .contentType, value: "application/json"))
        fields.append(HTTPField(name: HTTPField.Name("Stripe-Signature")!, value: "t=1,v1=aa"))
        fields.append(HTTPField(name: HTTPField.Name("stripe-signature")!, value: "t=2,v1=bb"))
        fields.append(HTTPField(name: .cookie, value: "a=1"))
        fields.append(HTTPField(name: .cookie, value: "b=2"))
        let names: [HTTPField.Name] = [.contentType, HTTPField.Name("STRIPE-SIGNATURE")!, .cookie, .contentLength]
        for name in names {
            #expect(fields.value(name) == fields[name], "\(name)")
        }
        #expect(fields.value(HTTPField.Name("Stripe-Signature")!) == "t=1,v1=aa, t=2,v1=bb")
        #expect(fields.value(.contentType) == "application/json")
        #expect(fields.value(.contentLength) == nil)
    }
}
