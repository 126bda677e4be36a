# frozen_string_literal: true

require "library"

RSpec.describe "late fees" do
  it "charges 50 cents a day" do
    expect(Library.late_fee(2)).to eq(1.0), "two days late should cost 1.00"
  end
end
