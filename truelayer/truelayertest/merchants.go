package truelayertest

// merchant is a payee or payer as it appears on statements. Descriptions
// come in a few store variants; pendingDesc is how the bank shows the
// transaction while pending (shorter, as banks do before settlement).
type merchant struct {
	name        string // merchant_name ("" = none sent)
	descs       []string
	pendingDesc string
	category    string   // transaction_category
	class       []string // transaction_classification
	provCat     string   // meta.provider_transaction_category
	min, max    int64    // usual amount range, minor units (positive)
	card        bool     // paid by card: meta carries cardNumber and location
	location    string
}

func m(name string, descs []string, category string, class []string, provCat string, min, max int64) *merchant {
	pd := name
	if len(descs) > 0 && len(descs[0]) > 0 {
		pd = descs[0]
		if i := lastSpace(pd); i > 0 && len(pd) > 14 {
			pd = pd[:i]
		}
	}
	return &merchant{name: name, descs: descs, pendingDesc: pd, category: category, class: class,
		provCat: provCat, min: min, max: max, card: category == "PURCHASE", location: "LONDON GB"}
}

func lastSpace(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ' ' {
			return i
		}
	}
	return -1
}

var (
	classGroceries = []string{"Shopping", "Groceries"}
	classCoffee    = []string{"Food & Dining", "Coffee shops"}
	classRestau    = []string{"Food & Dining", "Restaurants"}
	classTakeaway  = []string{"Food & Dining", "Fast Food"}
	classTransport = []string{"Auto & Transport", "Public transport"}
	classFuel      = []string{"Auto & Transport", "Gas & Fuel"}
	classShopping  = []string{"Shopping", "General"}
	classClothing  = []string{"Shopping", "Clothing"}
	classPharmacy  = []string{"Health & Fitness", "Pharmacy"}
	classStreaming = []string{"Entertainment", "Movies & DVDs"}
	classMusic     = []string{"Entertainment", "Music"}
	classSoftware  = []string{"Shopping", "Software"}
	classCash      = []string{"Cash", "ATM"}
	classFee       = []string{"Fees & Charges", "Foreign transaction fee"}
	classInterest  = []string{"Income", "Interest income"}
	classSalary    = []string{"Income", "Salary"}
	classTransfer  = []string{"Transfer"}
	classRent      = []string{"Home", "Rent"}
	classCouncil   = []string{"Bills and Utilities", "Council tax"}
	classEnergy    = []string{"Bills and Utilities", "Utilities"}
	classWater     = []string{"Bills and Utilities", "Utilities"}
	classInternet  = []string{"Bills and Utilities", "Internet"}
	classMobile    = []string{"Bills and Utilities", "Mobile phone"}
	classTV        = []string{"Bills and Utilities", "Television"}
	classGym       = []string{"Health & Fitness", "Gym"}
	classCardPay   = []string{"Bills and Utilities", "Credit card payment"}
	classTravel    = []string{"Travel", "Vacation"}
	classGift      = []string{"Transfer", "Friends"}
)

var groceries = []*merchant{
	m("Tesco", []string{"TESCO STORES 2341 LONDON", "TESCO STORES 6032 LONDON", "TESCO EXPRESS 3317 LONDON"}, "PURCHASE", classGroceries, "POS", 350, 9500),
	m("Sainsbury's", []string{"SAINSBURYS S/MKTS 0412", "SAINSBURYS LOCAL 2210"}, "PURCHASE", classGroceries, "POS", 420, 8800),
	m("Lidl", []string{"LIDL GB LONDON", "LIDL GB CROYDON"}, "PURCHASE", classGroceries, "POS", 600, 6500),
	m("Aldi", []string{"ALDI 71 712 LONDON"}, "PURCHASE", classGroceries, "POS", 700, 6000),
	m("Waitrose", []string{"WAITROSE 0723 LONDON"}, "PURCHASE", classGroceries, "POS", 900, 11000),
	m("M&S", []string{"M&S SIMPLY FOOD 3124", "M&S SIMPLY FOOD - SSA"}, "PURCHASE", classGroceries, "POS", 300, 4500),
	m("Co-op", []string{"CO-OP GROUP 070543", "CO OP GROUP FOOD"}, "PURCHASE", classGroceries, "POS", 250, 3000),
}

var coffee = []*merchant{
	m("Pret A Manger", []string{"PRET A MANGER 0128", "PRET A MANGER KINGS X"}, "PURCHASE", classCoffee, "POS", 285, 1150),
	m("Costa Coffee", []string{"COSTA COFFEE 43002"}, "PURCHASE", classCoffee, "POS", 265, 820),
	m("Greggs", []string{"GREGGS PLC 1534"}, "PURCHASE", classTakeaway, "POS", 115, 690),
	m("Starbucks", []string{"STARBUCKS 12033 LONDON"}, "PURCHASE", classCoffee, "POS", 295, 780),
}

var eatingOut = []*merchant{
	m("Deliveroo", []string{"DELIVEROO.CO.UK", "DELIVEROO LONDON"}, "PURCHASE", classTakeaway, "POS", 1450, 4200),
	m("Nando's", []string{"NANDOS CLAPHAM"}, "PURCHASE", classRestau, "POS", 1800, 5200),
	m("Wagamama", []string{"WAGAMAMA SOHO"}, "PURCHASE", classRestau, "POS", 1600, 4800),
	m("Pizza Express", []string{"PIZZA EXPRESS 1201"}, "PURCHASE", classRestau, "POS", 2200, 6400),
	m("Just Eat", []string{"JUST EAT.CO.UK LTD"}, "PURCHASE", classTakeaway, "POS", 1300, 3600),
}

var tfl = m("Transport for London", []string{"TFL TRAVEL CH", "TFL TRAVEL CHARGE TFL.GOV.UK/CP"}, "PURCHASE", classTransport, "POS", 280, 890)
var trainline = m("Trainline", []string{"TRAINLINE.COM"}, "PURCHASE", classTransport, "POS", 1250, 8900)
var fuel = []*merchant{
	m("Shell", []string{"SHELL BATTERSEA"}, "PURCHASE", classFuel, "POS", 3000, 7500),
	m("BP", []string{"BP CONNECT WANDSWORTH"}, "PURCHASE", classFuel, "POS", 2800, 7200),
}

var shopping = []*merchant{
	m("Amazon", []string{"AMAZON.CO.UK*2K4LQ0", "AMZNMKTPLACE AMAZON.CO.UK", "AMAZON.CO.UK*RT5TB1"}, "PURCHASE", classShopping, "POS", 599, 8999),
	m("Argos", []string{"ARGOS LTD 0733"}, "PURCHASE", classShopping, "POS", 999, 12999),
	m("John Lewis", []string{"JOHN LEWIS 0412 OXFORD ST"}, "PURCHASE", classShopping, "POS", 1500, 24900),
	m("Boots", []string{"BOOTS 1103 LONDON"}, "PURCHASE", classPharmacy, "POS", 250, 3500),
	m("Uniqlo", []string{"UNIQLO OXFORD STREET"}, "PURCHASE", classClothing, "POS", 1990, 8990),
	m("Primark", []string{"PRIMARK STORES LTD"}, "PURCHASE", classClothing, "POS", 600, 4500),
	m("IKEA", []string{"IKEA LTD WEMBLEY"}, "PURCHASE", classShopping, "POS", 1200, 18000),
}

// subscriptions are monthly card payments: day of month and price.
type subscription struct {
	m     *merchant
	day   int
	price int64
	rise  int64 // price after the first year
}

var subscriptions = []subscription{
	{m("Netflix", []string{"NETFLIX.COM"}, "PURCHASE", classStreaming, "POS", 0, 0), 14, 1099, 1299},
	{m("Spotify", []string{"SPOTIFY P2A1B3C4D5"}, "PURCHASE", classMusic, "POS", 0, 0), 9, 1099, 1199},
	{m("Amazon Prime", []string{"AMAZON PRIME*RT4KL9"}, "PURCHASE", classShopping, "POS", 0, 0), 22, 899, 899},
	{m("Apple", []string{"APPLE.COM/BILL"}, "PURCHASE", classSoftware, "POS", 0, 0), 27, 299, 299},
	{m("Disney+", []string{"DISNEY PLUS"}, "PURCHASE", classStreaming, "POS", 0, 0), 3, 799, 899},
}

var atm = m("", []string{"CASH WITHDRAWAL LINK ATM", "CASH NOTEMACHINE", "CASH BARCLAYS BANK"}, "ATM", classCash, "ATM", 2000, 10000)

var interestPaid = m("", []string{"INTEREST PAID"}, "INTEREST", classInterest, "INT", 0, 0)
var fxFee = m("", []string{"NON-STERLING TRANSACTION FEE"}, "FEE_CHARGE", classFee, "CHG", 0, 0)
var friendPayment = m("", []string{"M JONES DINNER", "S PATEL TICKETS", "A KHAN FLAT STUFF"}, "CREDIT", classGift, "FPI", 1000, 6000)

// Foreign merchants: trips abroad, paid in EUR and converted.
var foreign = []*merchant{
	m("Carrefour", []string{"CARREFOUR CITY PARIS FR", "CARREFOUR EXPRESS BARCELONA ES"}, "PURCHASE", classGroceries, "POS", 350, 4500),
	m("", []string{"CAFE DE FLORE PARIS FR", "BAR CELONETA BARCELONA ES"}, "PURCHASE", classRestau, "POS", 650, 7800),
	m("RATP", []string{"RATP PARIS FR"}, "PURCHASE", classTravel, "POS", 210, 1690),
	m("Renfe", []string{"RENFE VIAJEROS MADRID ES"}, "PURCHASE", classTravel, "POS", 1250, 6400),
	m("", []string{"MUSEE DU LOUVRE PARIS FR", "SAGRADA FAMILIA BARCELONA ES"}, "PURCHASE", classTravel, "POS", 1700, 3400),
}
