# frozen_string_literal: true

require "library"

RSpec.describe Library do
  it "knows unknown titles" do
    expect(Library.status("Emma")).to eq(:unknown)
  end

  it "charges nothing when a book is on time" do
    expect(Library.late_fee(0)).to eq(0)
  end

  # Flaky: fails when RSPEC_SEED % 4 == 0 (about one attempt in four under flaky).
  it "finds books by title" do
    expect(Library.search("du")).to eq(["Dune"])
  end

  describe "lending" do
    # Order-dependent pair: this example is defined (and by default runs) before the next one,
    # and fails whenever "lends a book" ran first in the same process.
    it "has Dune on the shelf" do
      expect(Library.status("Dune")).to eq(:on_shelf)
    end

    it "lends a book" do
      Library.lend("Dune")
      expect(Library.status("Dune")).to eq(:lent)
    end
  end
end
